package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.ResultAssert.assertSame32;
import static dev.lockstep.emulator.fpu.ResultAssert.assertSame64;

import dev.lockstep.emulator.fpu.Reference.Format;
import dev.lockstep.emulator.fpu.Reference.Result;
import java.math.BigInteger;
import java.util.function.ToLongFunction;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The reference properties of the operations binary32 and binary64 both have: each, in every
 * rounding mode, gives the exact reference's bits and flags. A subclass names its format and binds
 * the operations to F32 or F64; it adds the properties of the operations only it has.
 */
abstract class MatchesReferenceContract {
    static final int TRIES = 15_000;

    /** The format under test. */
    final Format f;

    MatchesReferenceContract(Format f) {
        this.f = f;
    }

    // ---- the operations under test, on bits as the reference holds them: binary32 in the low 32 ----

    abstract long add(long a, long b, int rm, FpFlags flags);
    abstract long sub(long a, long b, int rm, FpFlags flags);
    abstract long mul(long a, long b, int rm, FpFlags flags);
    abstract long div(long a, long b, int rm, FpFlags flags);
    abstract long sqrt(long a, int rm, FpFlags flags);
    abstract long fmadd(long a, long b, long c, int rm, FpFlags flags);
    abstract long fmsub(long a, long b, long c, int rm, FpFlags flags);
    abstract long fnmsub(long a, long b, long c, int rm, FpFlags flags);
    abstract long fnmadd(long a, long b, long c, int rm, FpFlags flags);
    abstract int toInt32(long a, int rm, FpFlags flags);
    abstract int toUint32(long a, int rm, FpFlags flags);
    abstract long toInt64(long a, int rm, FpFlags flags);
    abstract long toUint64(long a, int rm, FpFlags flags);
    abstract long fromInt64(long v, int rm, FpFlags flags);
    abstract long fromUint64(long v, int rm, FpFlags flags);

    // ---- operands ----

    @Provide
    Arbitrary<Operands> unary() {
        return Operands.unary(f);
    }

    @Provide
    Arbitrary<Operands> binary() {
        return Operands.binary(f);
    }

    @Provide
    Arbitrary<Operands> ternary() {
        return Operands.ternary(f);
    }

    @Provide
    Arbitrary<Long> nearInteger() {
        return Operands.nearInteger(f);
    }

    @Provide
    Arbitrary<Long> integer() {
        return Operands.integer();
    }

    // ---- checks ----

    /** Runs {@code operation} on fresh flags and compares its {@code width}-bit result and flags. */
    static void assertMatches(Result expected, int width, ToLongFunction<FpFlags> operation) {
        FpFlags flags = new FpFlags();
        long bits = operation.applyAsLong(flags);
        if (width == 32) {
            assertSame32(expected, (int) bits, flags);
        } else {
            assertSame64(expected, bits, flags);
        }
    }

    /** As {@link #assertMatches(Result, int, ToLongFunction)} for a result in the format under test. */
    void assertMatches(Result expected, ToLongFunction<FpFlags> operation) {
        assertMatches(expected, f == Format.F32 ? 32 : 64, operation);
    }

    // ---- arithmetic ----

    @Property(tries = TRIES)
    void addIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.add(o.a(), o.b(), f, rm), flags -> add(o.a(), o.b(), rm, flags));
    }

    @Property(tries = TRIES)
    void subIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.sub(o.a(), o.b(), f, rm), flags -> sub(o.a(), o.b(), rm, flags));
    }

    @Property(tries = TRIES)
    void mulIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.mul(o.a(), o.b(), f, rm), flags -> mul(o.a(), o.b(), rm, flags));
    }

    @Property(tries = TRIES)
    void divIsExactlyRounded(@ForAll("binary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.div(o.a(), o.b(), f, rm), flags -> div(o.a(), o.b(), rm, flags));
    }

    @Property(tries = TRIES)
    void sqrtIsExactlyRounded(@ForAll("unary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.sqrt(o.a(), f, rm), flags -> sqrt(o.a(), rm, flags));
    }

    @Property(tries = 2 * TRIES)
    void fmaddIsRoundedOnce(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.fmadd(o.a(), o.b(), o.c(), f, rm), flags -> fmadd(o.a(), o.b(), o.c(), rm, flags));
    }

    @Property(tries = TRIES / 3)
    void fmsubIsProductMinusAddend(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        long negC = o.c() ^ f.signBit();
        assertMatches(Reference.fmadd(o.a(), o.b(), negC, f, rm), flags -> fmsub(o.a(), o.b(), o.c(), rm, flags));
    }

    @Property(tries = TRIES / 3)
    void fnmsubIsMinusProductPlusAddend(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        long negA = o.a() ^ f.signBit();
        assertMatches(Reference.fmadd(negA, o.b(), o.c(), f, rm), flags -> fnmsub(o.a(), o.b(), o.c(), rm, flags));
    }

    @Property(tries = TRIES / 3)
    void fnmaddIsMinusProductMinusAddend(@ForAll("ternary") Operands o, @ForAll @IntRange(max = 4) int rm) {
        long negA = o.a() ^ f.signBit();
        long negC = o.c() ^ f.signBit();
        assertMatches(Reference.fmadd(negA, o.b(), negC, f, rm), flags -> fnmadd(o.a(), o.b(), o.c(), rm, flags));
    }

    // ---- conversions to and from integers ----

    @Property(tries = TRIES)
    void toInt32RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.toInteger(a, f, rm, true, 32), 32, flags -> toInt32(a, rm, flags));
    }

    @Property(tries = TRIES)
    void toUint32RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.toInteger(a, f, rm, false, 32), 32, flags -> toUint32(a, rm, flags));
    }

    @Property(tries = TRIES)
    void toInt64RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.toInteger(a, f, rm, true, 64), 64, flags -> toInt64(a, rm, flags));
    }

    @Property(tries = TRIES)
    void toUint64RoundsAndSaturates(@ForAll("nearInteger") long a, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.toInteger(a, f, rm, false, 64), 64, flags -> toUint64(a, rm, flags));
    }

    @Property(tries = TRIES)
    void fromInt64IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        assertMatches(Reference.fromInteger(BigInteger.valueOf(v), f, rm), flags -> fromInt64(v, rm, flags));
    }

    @Property(tries = TRIES)
    void fromUint64IsExactlyRounded(@ForAll("integer") long v, @ForAll @IntRange(max = 4) int rm) {
        BigInteger unsigned = new BigInteger(Long.toUnsignedString(v));
        assertMatches(Reference.fromInteger(unsigned, f, rm), flags -> fromUint64(v, rm, flags));
    }
}
