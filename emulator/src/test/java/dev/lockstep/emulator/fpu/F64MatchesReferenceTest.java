package dev.lockstep.emulator.fpu;

import dev.lockstep.emulator.fpu.Reference.Format;
import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Every binary64 operation, in every rounding mode, gives the exact reference's bits and flags. */
class F64MatchesReferenceTest extends MatchesReferenceContract {
    F64MatchesReferenceTest() {
        super(Format.F64);
    }

    // The operations under test.
    @Override long add(long a, long b, int rm, FpFlags flags) { return F64.add(a, b, rm, flags); }
    @Override long sub(long a, long b, int rm, FpFlags flags) { return F64.sub(a, b, rm, flags); }
    @Override long mul(long a, long b, int rm, FpFlags flags) { return F64.mul(a, b, rm, flags); }
    @Override long div(long a, long b, int rm, FpFlags flags) { return F64.div(a, b, rm, flags); }
    @Override long sqrt(long a, int rm, FpFlags flags) { return F64.sqrt(a, rm, flags); }
    @Override long fmadd(long a, long b, long c, int rm, FpFlags flags) { return F64.fmadd(a, b, c, rm, flags); }
    @Override long fmsub(long a, long b, long c, int rm, FpFlags flags) { return F64.fmsub(a, b, c, rm, flags); }
    @Override long fnmsub(long a, long b, long c, int rm, FpFlags flags) { return F64.fnmsub(a, b, c, rm, flags); }
    @Override long fnmadd(long a, long b, long c, int rm, FpFlags flags) { return F64.fnmadd(a, b, c, rm, flags); }
    @Override int toInt32(long a, int rm, FpFlags flags) { return F64.toInt32(a, rm, flags); }
    @Override int toUint32(long a, int rm, FpFlags flags) { return F64.toUint32(a, rm, flags); }
    @Override long toInt64(long a, int rm, FpFlags flags) { return F64.toInt64(a, rm, flags); }
    @Override long toUint64(long a, int rm, FpFlags flags) { return F64.toUint64(a, rm, flags); }
    @Override long fromInt64(long v, int rm, FpFlags flags) { return F64.fromInt64(v, rm, flags); }
    @Override long fromUint64(long v, int rm, FpFlags flags) { return F64.fromUint64(v, rm, flags); }

    // ---- binary64 only ----

    @Property(tries = TRIES)
    void toF32IsExactlyRounded(@ForAll("unary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.convert(o.a(), f, Format.F32, rm), 32, flags -> F64.toF32(o.a(), rm, flags));
    }

    /** fcvt.d.w and fcvt.d.wu take no rm and raise no flags: every 32-bit integer is a double. */
    @Property(tries = TRIES / 3)
    void fromInt32IsExact(@ForAll("integer") long v) {
        int w = (int) v;
        assertMatches(Reference.fromInteger(BigInteger.valueOf(w), f, Frm.RNE), flags -> F64.fromInt32(w));
    }

    @Property(tries = TRIES / 3)
    void fromUint32IsExact(@ForAll("integer") long v) {
        int w = (int) v;
        assertMatches(Reference.fromInteger(BigInteger.valueOf(w & 0xffff_ffffL), f, Frm.RNE), flags -> F64.fromUint32(w));
    }
}
