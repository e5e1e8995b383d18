package dev.lockstep.emulator.fpu;

import dev.lockstep.emulator.fpu.Reference.Format;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Operand generators for the property tests, biased towards where floating point goes wrong: zeros,
 * subnormals, the normal/subnormal boundary, near-overflow, NaNs of both kinds, infinities,
 * significands with few bits (ties and exact results), cancellation, and products, quotients and
 * fused sums that land on the underflow or overflow threshold. Binary32 bits are in the low 32 bits.
 */
record Operands(long a, long b, long c, Format format) {
    @Override
    public String toString() {
        return format == Format.F32
                ? String.format("a=%08x b=%08x c=%08x", (int) a, (int) b, (int) c)
                : String.format("a=%016x b=%016x c=%016x", a, b, c);
    }

    static Arbitrary<Operands> unary(Format f) {
        return value(f).map(a -> new Operands(a, 0, 0, f));
    }

    static Arbitrary<Operands> binary(Format f) {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Combinators.combine(value(f), value(f)).as((a, b) -> new Operands(a, b, 0, f))),
                Tuple.of(2, cancelling(f)),
                Tuple.of(2, productAtThreshold(f)),
                Tuple.of(2, quotientAtThreshold(f)));
    }

    static Arbitrary<Operands> ternary(Format f) {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Combinators.combine(value(f), value(f), value(f)).as((a, b, c) -> new Operands(a, b, c, f))),
                Tuple.of(3, nearlyCancellingFma(f)),
                Tuple.of(2, Combinators.combine(productAtThreshold(f), value(f)).as((p, c) -> new Operands(p.a, p.b, c, f))),
                Tuple.of(2, addendNearProduct(f)));
    }

    /** One value's bits. */
    static Arbitrary<Long> value(Format f) {
        long mask = f == Format.F32 ? 0xffff_ffffL : -1L;
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.longs().map(x -> x & mask)),
                Tuple.of(2, Arbitraries.of(specials(f))),
                Tuple.of(6, structured(f)));
    }

    private static Arbitrary<Long> structured(Format f) {
        int maxField = (1 << f.exponentBits()) - 1;
        int bias = f.emax();
        Arbitrary<Integer> field = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.integers().between(0, 3)),
                Tuple.of(2, Arbitraries.integers().between(maxField - 4, maxField)),
                Tuple.of(3, Arbitraries.integers().between(bias - 30, bias + 30)),
                Tuple.of(3, Arbitraries.integers().between(0, maxField)));
        return Combinators.combine(Arbitraries.integers().between(0, 1), field, fraction(f))
                .as((s, e, fr) -> (s == 1 ? f.signBit() : 0) | ((long) e << (f.p() - 1)) | fr);
    }

    private static Arbitrary<Long> fraction(Format f) {
        long mask = f.fractionMask();
        int bits = f.p() - 1;
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.longs().map(x -> x & mask)),
                Tuple.of(1, Arbitraries.just(0L)),
                Tuple.of(1, Arbitraries.just(mask)),
                // few significant bits at the top: exact results and exact ties
                Tuple.of(3, Arbitraries.longs().map(x -> (x & 0x3fL) << (bits - 6))),
                // all ones with a little noise at the bottom: carries and rounding to the next binade
                Tuple.of(2, Arbitraries.longs().between(0, 15).map(x -> mask - x)),
                Tuple.of(2, Arbitraries.longs().between(0, 15)),
                // one bit, or all but one: 1 + 2^-k and 2 - 2^-k, the makings of ties and double-rounding traps
                Tuple.of(2, Arbitraries.integers().between(0, bits - 1).map(k -> 1L << k)),
                Tuple.of(1, Arbitraries.integers().between(0, bits - 1).map(k -> mask & ~(1L << k))));
    }

    private static List<Long> specials(Format f) {
        long s = f.signBit();
        long inf = f.infinity();
        long smallestNormal = 1L << (f.p() - 1);
        List<Long> v = new ArrayList<>(List.of(
                0L, 1L, 2L, 3L, f.fractionMask(), f.fractionMask() - 1, smallestNormal, smallestNormal + 1,
                inf, inf - 1, inf - 2, inf | 1, inf | 1L << (f.p() - 2), inf | (1L << (f.p() - 2)) | 5, inf | f.fractionMask(),
                (long) f.emax() << (f.p() - 1), // 1.0
                ((long) f.emax() << (f.p() - 1)) | f.fractionMask(), // just below 2
                ((long) f.emax() - 1) << (f.p() - 1) | f.fractionMask(), // just below 1
                ((long) f.emax() + 1) << (f.p() - 1))); // 2.0
        int n = v.size();
        for (int i = 0; i < n; i++) {
            v.add(v.get(i) | s);
        }
        return v;
    }

    /** b is about -a (or a, which subtraction turns around): catastrophic cancellation. */
    private static Arbitrary<Operands> cancelling(Format f) {
        return Combinators.combine(structured(f), Arbitraries.longs().between(-4, 4), Arbitraries.integers().between(0, 1))
                .as((a, delta, flip) -> new Operands(a, wrap(f, (a ^ (flip == 1 ? f.signBit() : 0)) + delta), 0, f));
    }

    /** a*b lands within a few binades of the subnormal range, the underflow threshold or overflow. */
    private static Arbitrary<Operands> productAtThreshold(Format f) {
        return Combinators.combine(normal(f), normal(f), target(f))
                .as((a, b, t) -> new Operands(a, withField(f, b, 2 * f.emax() + t - field(f, a)), 0, f));
    }

    /** a/b lands within a few binades of the subnormal range, the underflow threshold or overflow. */
    private static Arbitrary<Operands> quotientAtThreshold(Format f) {
        return Combinators.combine(normal(f), normal(f), target(f))
                .as((a, b, t) -> new Operands(a, withField(f, b, field(f, a) - t), 0, f));
    }

    /** c is within a few ulps of -(a*b) as rounded: massive cancellation inside the fma. */
    private static Arbitrary<Operands> nearlyCancellingFma(Format f) {
        return Combinators.combine(structured(f), structured(f), Arbitraries.longs().between(-3, 3))
                .as((a, b, delta) -> {
                    long p;
                    if (f == Format.F32) {
                        p = Float.floatToRawIntBits(Float.intBitsToFloat((int) (long) a) * Float.intBitsToFloat((int) (long) b)) & 0xffff_ffffL;
                    } else {
                        p = Double.doubleToRawLongBits(Double.longBitsToDouble(a) * Double.longBitsToDouble(b));
                    }
                    return new Operands(a, b, wrap(f, (p ^ f.signBit()) + delta), f);
                });
    }

    /** c has about the exponent of a*b, so bits of both survive and ties happen. */
    private static Arbitrary<Operands> addendNearProduct(Format f) {
        return Combinators.combine(normal(f), normal(f), structured(f), Arbitraries.integers().between(-60, 3))
                .as((a, b, c, off) -> new Operands(a, b, withField(f, c, field(f, a) + field(f, b) - f.emax() + off), f));
    }

    /** Values near integers, half-integers and the integer types' limits, for conversions. */
    static Arbitrary<Long> nearInteger(Format f) {
        Arbitrary<Long> near = Combinators.combine(
                        Arbitraries.integers().between(0, 1),
                        Arbitraries.integers().between(f.emax() - 2, f.emax() + 66),
                        fraction(f))
                .as((s, e, fr) -> (s == 1 ? f.signBit() : 0) | ((long) e << (f.p() - 1)) | fr);
        return Arbitraries.frequencyOf(Tuple.of(3, near), Tuple.of(1, value(f)));
    }

    /** Integers biased towards 0, small values, powers of two and their neighbours, and the limits. */
    static Arbitrary<Long> integer() {
        Arbitrary<Long> aroundPowers = Combinators.combine(
                        Arbitraries.integers().between(0, 63), Arbitraries.longs().between(-300, 300), Arbitraries.integers().between(0, 1))
                .as((k, d, neg) -> ((1L << k) + d) * (neg == 1 ? -1 : 1));
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.longs()),
                Tuple.of(1, Arbitraries.longs().between(-1000, 1000)),
                Tuple.of(3, aroundPowers),
                Tuple.of(1, Arbitraries.of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE, (long) Integer.MIN_VALUE,
                        0xffff_ffffL, 0x8000_0000L, -0x8000_0001L, (1L << 53) + 1, (1L << 24) + 1)));
    }

    /** Normal values, often with significands within a few ulps of 1 or 2 so results hug the thresholds. */
    private static Arbitrary<Long> normal(Format f) {
        long mask = f.fractionMask();
        Arbitrary<Long> nearOne = Combinators.combine(
                        Arbitraries.integers().between(0, 1),
                        Arbitraries.integers().between(1, (1 << f.exponentBits()) - 2),
                        Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.longs().between(0, 7)),
                                Tuple.of(1, Arbitraries.longs().between(0, 7).map(x -> mask - x))))
                .as((s, e, fr) -> (s == 1 ? f.signBit() : 0) | ((long) e << (f.p() - 1)) | fr);
        Arbitrary<Long> any = structured(f).filter(x -> field(f, x) != 0 && field(f, x) != (1 << f.exponentBits()) - 1);
        return Arbitraries.frequencyOf(Tuple.of(2, any), Tuple.of(1, nearOne));
    }

    /** Unbiased exponents around the interesting thresholds, the thresholds themselves most often. */
    private static Arbitrary<Integer> target(Format f) {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(f.emin() - 1, f.emin(), f.emax(), f.emax() + 1)),
                Tuple.of(2, Arbitraries.integers().between(f.emin() - f.p() - 3, f.emin() + 2)),
                Tuple.of(1, Arbitraries.integers().between(f.emax() - 2, f.emax() + 1)));
    }

    private static int field(Format f, long bits) {
        return (int) ((bits & f.infinity()) >>> (f.p() - 1));
    }

    private static long withField(Format f, long bits, int field) {
        int clamped = Math.max(1, Math.min((1 << f.exponentBits()) - 2, field));
        return (bits & ~f.infinity()) | ((long) clamped << (f.p() - 1));
    }

    private static long wrap(Format f, long bits) {
        return f == Format.F32 ? bits & 0xffff_ffffL : bits;
    }
}
