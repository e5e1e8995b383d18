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

/** Every binary32 operation, in every rounding mode, gives the exact reference's bits and flags. */
class F32MatchesReferenceTest {
    private static final Format F = Format.F32;
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

    private static int a(Operands o) {
        return (int) o.a();
    }

    private static int b(Operands o) {
        return (int) o.b();
    }

    private static int c(Operands o) {
        return (int) o.c();
    }

    @Property(tries = TRIES)
    void addIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.add(o.a(), o.b(), F, rm), F32.add(a(o), b(o), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void subIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.sub(o.a(), o.b(), F, rm), F32.sub(a(o), b(o), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void mulIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.mul(o.a(), o.b(), F, rm), F32.mul(a(o), b(o), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void divIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.div(o.a(), o.b(), F, rm), F32.div(a(o), b(o), rm, flags), flags);
    }

    @Property(tries = TRIES)
    void sqrtIsExactlyRounded(@ForAll("unary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.sqrt(o.a(), F, rm), F32.sqrt(a(o), rm, flags), flags);
    }

    @Property(tries = 2 * TRIES)
    void fmaddIsRoundedOnce(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.fmadd(o.a(), o.b(), o.c(), F, rm), F32.fmadd(a(o), b(o), c(o), rm, flags), flags);
    }

    @Property(tries = TRIES / 3)
    void fmsubIsProductMinusAddend(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        long negC = o.c() ^ F.signBit();
        assertSame32(Reference.fmadd(o.a(), o.b(), negC, F, rm), F32.fmsub(a(o), b(o), c(o), rm, flags), flags);
    }

    @Property(tries = TRIES / 3)
    void fnmsubIsMinusProductPlusAddend(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        long negA = o.a() ^ F.signBit();
        assertSame32(Reference.fmadd(negA, o.b(), o.c(), F, rm), F32.fnmsub(a(o), b(o), c(o), rm, flags), flags);
    }

    @Property(tries = TRIES / 3)
    void fnmaddIsMinusProductMinusAddend(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        long negA = o.a() ^ F.signBit();
        long negC = o.c() ^ F.signBit();
        assertSame32(Reference.fmadd(negA, o.b(), negC, F, rm), F32.fnmadd(a(o), b(o), c(o), rm, flags), flags);
    }

    @Property(tries = TRIES / 3)
    void toF64IsExact(@ForAll("unary") Operands o) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.convert(o.a(), F, Format.F64, Frm.RNE), F32.toF64(a(o), flags), flags);
    }

    @Property(tries = TRIES)
    void toInt32RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.toInteger(a, F, rm, true, 32), F32.toInt32((int) a, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void toUint32RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.toInteger(a, F, rm, false, 32), F32.toUint32((int) a, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void toInt64RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.toInteger(a, F, rm, true, 64), F32.toInt64((int) a, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void toUint64RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame64(Reference.toInteger(a, F, rm, false, 64), F32.toUint64((int) a, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void fromInt32IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        int w = (int) v;
        assertSame32(Reference.fromInteger(BigInteger.valueOf(w), F, rm), F32.fromInt32(w, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void fromUint32IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        int w = (int) v;
        assertSame32(Reference.fromInteger(BigInteger.valueOf(w & 0xffff_ffffL), F, rm), F32.fromUint32(w, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void fromInt64IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        assertSame32(Reference.fromInteger(BigInteger.valueOf(v), F, rm), F32.fromInt64(v, rm, flags), flags);
    }

    @Property(tries = TRIES)
    void fromUint64IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        FpFlags flags = new FpFlags();
        BigInteger unsigned = new BigInteger(Long.toUnsignedString(v));
        assertSame32(Reference.fromInteger(unsigned, F, rm), F32.fromUint64(v, rm, flags), flags);
    }
}
