package dev.lockstep.emulator.fpu;

import dev.lockstep.emulator.fpu.Reference.Format;
import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Every binary32 operation, in every rounding mode, gives the exact reference's bits and flags. */
class F32MatchesReferenceTest extends MatchesReferenceContract {
    F32MatchesReferenceTest() {
        super(Format.F32);
    }

    // The operations under test; binary32 operands are the low 32 bits of the reference's longs.
    @Override long add(long a, long b, int rm, FpFlags flags) { return F32.add((int) a, (int) b, rm, flags); }
    @Override long sub(long a, long b, int rm, FpFlags flags) { return F32.sub((int) a, (int) b, rm, flags); }
    @Override long mul(long a, long b, int rm, FpFlags flags) { return F32.mul((int) a, (int) b, rm, flags); }
    @Override long div(long a, long b, int rm, FpFlags flags) { return F32.div((int) a, (int) b, rm, flags); }
    @Override long sqrt(long a, int rm, FpFlags flags) { return F32.sqrt((int) a, rm, flags); }
    @Override long fmadd(long a, long b, long c, int rm, FpFlags flags) { return F32.fmadd((int) a, (int) b, (int) c, rm, flags); }
    @Override long fmsub(long a, long b, long c, int rm, FpFlags flags) { return F32.fmsub((int) a, (int) b, (int) c, rm, flags); }
    @Override long fnmsub(long a, long b, long c, int rm, FpFlags flags) { return F32.fnmsub((int) a, (int) b, (int) c, rm, flags); }
    @Override long fnmadd(long a, long b, long c, int rm, FpFlags flags) { return F32.fnmadd((int) a, (int) b, (int) c, rm, flags); }
    @Override int toInt32(long a, int rm, FpFlags flags) { return F32.toInt32((int) a, rm, flags); }
    @Override int toUint32(long a, int rm, FpFlags flags) { return F32.toUint32((int) a, rm, flags); }
    @Override long toInt64(long a, int rm, FpFlags flags) { return F32.toInt64((int) a, rm, flags); }
    @Override long toUint64(long a, int rm, FpFlags flags) { return F32.toUint64((int) a, rm, flags); }
    @Override long fromInt64(long v, int rm, FpFlags flags) { return F32.fromInt64(v, rm, flags); }
    @Override long fromUint64(long v, int rm, FpFlags flags) { return F32.fromUint64(v, rm, flags); }

    // ---- binary32 only ----

    @Property(tries = TRIES / 3)
    void toF64IsExact(@ForAll("unary") Operands o) {
        assertMatches(Reference.convert(o.a(), f, Format.F64, Frm.RNE), 64, flags -> F32.toF64((int) o.a(), flags));
    }

    @Property(tries = TRIES)
    void fromInt32IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        int w = (int) v;
        assertMatches(Reference.fromInteger(BigInteger.valueOf(w), f, rm), flags -> F32.fromInt32(w, rm, flags));
    }

    @Property(tries = TRIES)
    void fromUint32IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        int w = (int) v;
        BigInteger unsigned = BigInteger.valueOf(w & 0xffff_ffffL);
        assertMatches(Reference.fromInteger(unsigned, f, rm), flags -> F32.fromUint32(w, rm, flags));
    }
}
