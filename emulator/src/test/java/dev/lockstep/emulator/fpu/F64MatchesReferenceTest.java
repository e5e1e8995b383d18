package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.ResultAssert.assertSame32;
import static dev.lockstep.emulator.fpu.ResultAssert.assertSame64;

import dev.lockstep.emulator.fpu.Reference.Format;
import java.math.BigInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Every binary64 operation, in every rounding mode, gives the exact reference's bits and flags. */
class F64MatchesReferenceTest {
    private static final Format F = Format.F64;
    private static final int TRIES = 15_000;

    @Provide
    Arbitrary<Operands> unary() {
        return Operands.unary(F);
    }

    @Provide
    Arbitrary<Operands> binary() {
        return Operands.binary(F);
    }

    @Provide
    Arbitrary<Operands> ternary() {
        return Operands.ternary(F);
    }

    @Provide
    Arbitrary<Long> nearInteger() {
        return Operands.nearInteger(F);
    }

    @Provide
    Arbitrary<Long> integer() {
        return Operands.integer();
    }

    @Property(tries = TRIES)
    void addIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.add(o.a(), o.b(), F, rm), F64.add(o.a(), o.b(), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void subIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.sub(o.a(), o.b(), F, rm), F64.sub(o.a(), o.b(), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void mulIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.mul(o.a(), o.b(), F, rm), F64.mul(o.a(), o.b(), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void divIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.div(o.a(), o.b(), F, rm), F64.div(o.a(), o.b(), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void sqrtIsExactlyRounded(@ForAll("unary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.sqrt(o.a(), F, rm), F64.sqrt(o.a(), rm, flags), flags);
    }

    @Property(tries = 2 * TRIES)
    void fmaddIsRoundedOnce(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.fmadd(o.a(), o.b(), o.c(), F, rm), F64.fmadd(o.a(), o.b(), o.c(), rm, flags), flags);
    }

    @Property(tries = TRIES / 3)
    void fmsubIsProductMinusAddend(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        long negC = o.c() ^ Long.MIN_VALUE;
        assertSame64(Reference.fmadd(o.a(), o.b(), negC, F, rm), F64.fmsub(o.a(), o.b(), o.c(), rm, flags), flags);
    }

    @Property(tries = TRIES / 3)
    void fnmsubIsMinusProductPlusAddend(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        long negA = o.a() ^ Long.MIN_VALUE;
        assertSame64(Reference.fmadd(negA, o.b(), o.c(), F, rm), F64.fnmsub(o.a(), o.b(), o.c(), rm, flags), flags);
    }

    @Property(tries = TRIES / 3)
    void fnmaddIsMinusProductMinusAddend(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        long negA = o.a() ^ Long.MIN_VALUE;
        long negC = o.c() ^ Long.MIN_VALUE;
        assertSame64(Reference.fmadd(negA, o.b(), negC, F, rm), F64.fnmadd(o.a(), o.b(), o.c(), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void toF32IsExactlyRounded(@ForAll("unary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.convert(o.a(), F, Format.F32, rm), F64.toF32(o.a(), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void toInt32RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.toInteger(a, F, rm, true, 32), F64.toInt32(a, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void toUint32RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.toInteger(a, F, rm, false, 32), F64.toUint32(a, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void toInt64RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.toInteger(a, F, rm, true, 64), F64.toInt64(a, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void toUint64RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.toInteger(a, F, rm, false, 64), F64.toUint64(a, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void fromInt64IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.fromInteger(BigInteger.valueOf(v), F, rm), F64.fromInt64(v, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void fromUint64IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        BigInteger unsigned = new BigInteger(Long.toUnsignedString(v));
        assertSame64(Reference.fromInteger(unsigned, F, rm), F64.fromUint64(v, rm, flags), flags);
    }

    @Property(tries = TRIES / 3)
    void fromInt32IsExact(@ForAll("integer") long v) {
        int w = (int) v;
        assertSame64(Reference.fromInteger(BigInteger.valueOf(w), F, Frm.RNE), F64.fromInt32(w), new FpFlags());
    }

    @Property(tries = TRIES / 3)
    void fromUint32IsExact(@ForAll("integer") long v) {
        int w = (int) v;
        assertSame64(Reference.fromInteger(BigInteger.valueOf(w & 0xffff_ffffL), F, Frm.RNE), F64.fromUint32(w), new FpFlags());
    }
}
