package dev.lockstep.emulator.fpu;

import java.math.BigInteger;

/**
 * A slow, obviously-exact model of RISC-V F/D arithmetic, the oracle for the property tests. It
 * shares no code with the implementation: values are BigInteger rationals, rounding divides and
 * compares remainders, and tininess is found by literally rounding again with an unbounded exponent.
 * Binary32 bits live in the low 32 bits of a long.
 */
final class Reference {
    /** A binary interchange format: precision p (hidden bit included), emax, exponent field width. */
    record Format(int p, int emax, int exponentBits) {
        static final Format F32 = new Format(24, 127, 8);
        static final Format F64 = new Format(53, 1023, 11);

        int emin() {
            return 1 - emax;
        }

        long signBit() {
            return 1L << (p - 1 + exponentBits);
        }

        long infinity() {
            return ((1L << exponentBits) - 1) << (p - 1);
        }

        long canonicalNaN() {
            return infinity() | 1L << (p - 2);
        }

        long fractionMask() {
            return (1L << (p - 1)) - 1;
        }
    }

    /** An operation's outcome: result bits and the flags it raises. */
    record Result(long bits, int flags) {}

    /** A finite value (-1)^sign * num / den with num >= 0 and den > 0. */
    record Exact(int sign, BigInteger num, BigInteger den) {
        boolean isZero() {
            return num.signum() == 0;
        }

        static Exact of(int sign, BigInteger num, BigInteger den) {
            return new Exact(sign, num, den);
        }

        Exact negate() {
            return new Exact(sign ^ 1, num, den);
        }

        BigInteger signedNum() {
            return sign == 0 ? num : num.negate();
        }
    }

    private static final int NX = 1;
    private static final int UF = 2;
    private static final int OF = 4;
    private static final int DZ = 8;
    private static final int NV = 16;

    private Reference() {}

    // ---- classification of bits ----

    static int sign(long bits, Format f) {
        return (bits & f.signBit()) != 0 ? 1 : 0;
    }

    static boolean isNaN(long bits, Format f) {
        return (bits & f.infinity()) == f.infinity() && (bits & f.fractionMask()) != 0;
    }

    static boolean isSignalingNaN(long bits, Format f) {
        return isNaN(bits, f) && (bits & (1L << (f.p() - 2))) == 0;
    }

    static boolean isInfinite(long bits, Format f) {
        return (bits & (f.infinity() | f.fractionMask())) == f.infinity();
    }

    static boolean isZero(long bits, Format f) {
        return (bits & (f.infinity() | f.fractionMask())) == 0;
    }

    /** The exact value of finite bits. */
    static Exact value(long bits, Format f) {
        long field = (bits & f.infinity()) >>> (f.p() - 1);
        long fraction = bits & f.fractionMask();
        BigInteger significand = field == 0 ? BigInteger.valueOf(fraction) : BigInteger.valueOf(fraction | 1L << (f.p() - 1));
        int exponent = (field == 0 ? f.emin() : (int) field - f.emax()) - (f.p() - 1);
        return scaled(sign(bits, f), significand, exponent);
    }

    private static Exact scaled(int sign, BigInteger m, int exponent) {
        return exponent >= 0
                ? Exact.of(sign, m.shiftLeft(exponent), BigInteger.ONE)
                : Exact.of(sign, m, BigInteger.ONE.shiftLeft(-exponent));
    }

    // ---- rounding ----

    /** Rounds a nonzero exact value to the format, per rm, with RISC-V's flags. */
    static Result round(Exact x, Format f, int rm) {
        int sign = x.sign();
        // e = floor(log2(num/den))
        int e = x.num().bitLength() - x.den().bitLength();
        if (compareScaled(x.num(), x.den(), e) < 0) {
            e--;
        }
        int quantum = Math.max(e, f.emin()) - (f.p() - 1);
        BigInteger[] bounded = roundToMultiple(x, quantum, rm);
        BigInteger m = bounded[0];
        boolean inexact = bounded[1].signum() != 0;
        int flags = inexact ? NX : 0;
        // Tininess after rounding: round to p bits as if the exponent were unbounded, then compare with 2^emin.
        int unboundedQuantum = e - (f.p() - 1);
        BigInteger mu = roundToMultiple(x, unboundedQuantum, rm)[0];
        boolean tiny = compareScaled(mu, BigInteger.ONE, f.emin() - unboundedQuantum) < 0;
        if (tiny && inexact) {
            flags |= UF;
        }
        if (m.signum() == 0) {
            return new Result(sign == 1 ? f.signBit() : 0, flags);
        }
        if (quantum + m.bitLength() - 1 > f.emax()) {
            boolean toInfinity = rm == Frm.RNE || rm == Frm.RMM
                    || (rm == Frm.RUP && sign == 0) || (rm == Frm.RDN && sign == 1);
            long magnitude = toInfinity ? f.infinity() : f.infinity() - 1;
            return new Result((sign == 1 ? f.signBit() : 0) | magnitude, OF | NX);
        }
        long bits;
        if (m.bitLength() < f.p()) { // subnormal
            bits = m.longValueExact();
        } else {
            if (m.bitLength() > f.p()) { // rounded up to 2^p
                m = m.shiftRight(1);
                quantum++;
            }
            long biased = quantum + (f.p() - 1) + f.emax();
            bits = (biased << (f.p() - 1)) | (m.longValueExact() & f.fractionMask());
        }
        return new Result((sign == 1 ? f.signBit() : 0) | bits, flags);
    }

    /** compare(num / den, 2^e) */
    private static int compareScaled(BigInteger num, BigInteger den, int e) {
        return e >= 0 ? num.compareTo(den.shiftLeft(e)) : num.shiftLeft(-e).compareTo(den);
    }

    /** {rounded |x| / 2^quantum as an integer, remainder}. */
    private static BigInteger[] roundToMultiple(Exact x, int quantum, int rm) {
        BigInteger n = quantum <= 0 ? x.num().shiftLeft(-quantum) : x.num();
        BigInteger d = quantum <= 0 ? x.den() : x.den().shiftLeft(quantum);
        BigInteger[] qr = n.divideAndRemainder(d);
        BigInteger m = qr[0];
        BigInteger r = qr[1];
        if (r.signum() != 0) {
            int half = r.shiftLeft(1).compareTo(d);
            boolean up = switch (rm) {
                case Frm.RNE -> half > 0 || (half == 0 && m.testBit(0));
                case Frm.RTZ -> false;
                case Frm.RDN -> x.sign() == 1;
                case Frm.RUP -> x.sign() == 0;
                case Frm.RMM -> half >= 0;
                default -> throw new IllegalArgumentException("rm " + rm);
            };
            if (up) {
                m = m.add(BigInteger.ONE);
            }
        }
        return new BigInteger[] {m, r};
    }

    private static Result nan(Format f, int flags) {
        return new Result(f.canonicalNaN(), flags);
    }

    private static Result infinity(int sign, Format f, int flags) {
        return new Result((sign == 1 ? f.signBit() : 0) | f.infinity(), flags);
    }

    /** An exact zero sum: IEEE 754-2019 6.3, +0 unless both are -0, or -0 in RDN unless both are +0. */
    private static Result zeroSum(int signX, int signY, Format f, int rm) {
        boolean negative = rm == Frm.RDN ? (signX == 1 || signY == 1) : (signX == 1 && signY == 1);
        return new Result(negative ? f.signBit() : 0, 0);
    }

    private static Exact add(Exact x, Exact y) {
        BigInteger num = x.signedNum().multiply(y.den()).add(y.signedNum().multiply(x.den()));
        return Exact.of(num.signum() < 0 ? 1 : 0, num.abs(), x.den().multiply(y.den()));
    }

    private static Exact multiply(Exact x, Exact y) {
        return Exact.of(x.sign() ^ y.sign(), x.num().multiply(y.num()), x.den().multiply(y.den()));
    }

    // ---- operations ----

    static Result add(long a, long b, Format f, int rm) {
        if (isNaN(a, f) || isNaN(b, f)) {
            return nan(f, isSignalingNaN(a, f) || isSignalingNaN(b, f) ? NV : 0);
        }
        if (isInfinite(a, f) || isInfinite(b, f)) {
            if (isInfinite(a, f) && isInfinite(b, f) && sign(a, f) != sign(b, f)) {
                return nan(f, NV);
            }
            return infinity(isInfinite(a, f) ? sign(a, f) : sign(b, f), f, 0);
        }
        Exact sum = add(value(a, f), value(b, f));
        return sum.isZero() ? zeroSum(sign(a, f), sign(b, f), f, rm) : round(sum, f, rm);
    }

    static Result sub(long a, long b, Format f, int rm) {
        return add(a, b ^ f.signBit(), f, rm);
    }

    static Result mul(long a, long b, Format f, int rm) {
        if (isNaN(a, f) || isNaN(b, f)) {
            return nan(f, isSignalingNaN(a, f) || isSignalingNaN(b, f) ? NV : 0);
        }
        int sign = sign(a, f) ^ sign(b, f);
        if (isInfinite(a, f) || isInfinite(b, f)) {
            return isZero(a, f) || isZero(b, f) ? nan(f, NV) : infinity(sign, f, 0);
        }
        Exact p = multiply(value(a, f), value(b, f));
        return p.isZero() ? new Result(sign == 1 ? f.signBit() : 0, 0) : round(p, f, rm);
    }

    static Result div(long a, long b, Format f, int rm) {
        if (isNaN(a, f) || isNaN(b, f)) {
            return nan(f, isSignalingNaN(a, f) || isSignalingNaN(b, f) ? NV : 0);
        }
        int sign = sign(a, f) ^ sign(b, f);
        if (isInfinite(a, f)) {
            return isInfinite(b, f) ? nan(f, NV) : infinity(sign, f, 0);
        }
        if (isInfinite(b, f)) {
            return new Result(sign == 1 ? f.signBit() : 0, 0);
        }
        if (isZero(b, f)) {
            return isZero(a, f) ? nan(f, NV) : infinity(sign, f, DZ);
        }
        if (isZero(a, f)) {
            return new Result(sign == 1 ? f.signBit() : 0, 0);
        }
        Exact x = value(a, f);
        Exact y = value(b, f);
        return round(Exact.of(sign, x.num().multiply(y.den()), x.den().multiply(y.num())), f, rm);
    }

    static Result sqrt(long a, Format f, int rm) {
        if (isNaN(a, f)) {
            return nan(f, isSignalingNaN(a, f) ? NV : 0);
        }
        if (isZero(a, f)) {
            return new Result(a, 0);
        }
        if (sign(a, f) == 1) {
            return nan(f, NV);
        }
        if (isInfinite(a, f)) {
            return new Result(a, 0);
        }
        Exact x = value(a, f);
        // x = n / 2^(2k) with den a power of two; sqrt(x) = sqrt(n * 4^j) / 2^(k + j).
        BigInteger n = x.num();
        int twoK = x.den().bitLength() - 1;
        if (twoK % 2 != 0) {
            n = n.shiftLeft(1);
            twoK++;
        }
        int j = Math.max(0, (2 * (f.p() + 3) - n.bitLength()) / 2 + 1);
        BigInteger scaled = n.shiftLeft(2 * j);
        BigInteger root = scaled.sqrt();
        int k = twoK / 2 + j;
        if (root.multiply(root).equals(scaled)) {
            return round(Exact.of(0, root, BigInteger.ONE.shiftLeft(k)), f, rm);
        }
        // root has at least p + 3 bits, so (root, root + 1) holds no rounding boundary: its midpoint
        // stands for the irrational root.
        return round(Exact.of(0, root.shiftLeft(1).add(BigInteger.ONE), BigInteger.ONE.shiftLeft(k + 1)), f, rm);
    }

    /** a*b + c rounded once; 0 * inf is invalid even with a quiet NaN addend (RISC-V F). */
    static Result fmadd(long a, long b, long c, Format f, int rm) {
        boolean invalidProduct = (isInfinite(a, f) && isZero(b, f)) || (isZero(a, f) && isInfinite(b, f));
        if (isNaN(a, f) || isNaN(b, f) || isNaN(c, f)) {
            boolean signaling = isSignalingNaN(a, f) || isSignalingNaN(b, f) || isSignalingNaN(c, f);
            return nan(f, signaling || invalidProduct ? NV : 0);
        }
        if (invalidProduct) {
            return nan(f, NV);
        }
        int productSign = sign(a, f) ^ sign(b, f);
        if (isInfinite(a, f) || isInfinite(b, f)) {
            if (isInfinite(c, f) && sign(c, f) != productSign) {
                return nan(f, NV);
            }
            return infinity(productSign, f, 0);
        }
        if (isInfinite(c, f)) {
            return new Result(c, 0);
        }
        Exact sum = add(multiply(value(a, f), value(b, f)), value(c, f));
        return sum.isZero() ? zeroSum(productSign, sign(c, f), f, rm) : round(sum, f, rm);
    }

    /** fcvt between formats. */
    static Result convert(long a, Format from, Format to, int rm) {
        if (isNaN(a, from)) {
            return nan(to, isSignalingNaN(a, from) ? NV : 0);
        }
        if (isInfinite(a, from)) {
            return infinity(sign(a, from), to, 0);
        }
        if (isZero(a, from)) {
            return new Result(sign(a, from) == 1 ? to.signBit() : 0, 0);
        }
        return round(value(a, from), to, rm);
    }

    /**
     * fcvt to an integer type of the given width (32 or 64), per the F extension's table: NaN gives
     * the maximum, +-inf and out-of-range rounded values saturate, all with NV and without NX.
     * The result is the integer's two's complement bits (sign-extended for width 32).
     */
    static Result toInteger(long a, Format f, int rm, boolean signed, int width) {
        BigInteger max = signed ? BigInteger.ONE.shiftLeft(width - 1).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(width).subtract(BigInteger.ONE);
        BigInteger min = signed ? BigInteger.ONE.shiftLeft(width - 1).negate() : BigInteger.ZERO;
        if (isNaN(a, f)) {
            return new Result(max.longValue(), NV);
        }
        if (isInfinite(a, f)) {
            return new Result((sign(a, f) == 0 ? max : min).longValue(), NV);
        }
        Exact x = value(a, f);
        BigInteger[] r = roundToMultiple(x, 0, rm);
        BigInteger v = x.sign() == 1 ? r[0].negate() : r[0];
        if (v.compareTo(max) > 0) {
            return new Result(max.longValue(), NV);
        }
        if (v.compareTo(min) < 0) {
            return new Result(min.longValue(), NV);
        }
        return new Result(v.longValue(), r[1].signum() != 0 ? NX : 0);
    }

    /** fcvt from an integer (given exactly) to the format. */
    static Result fromInteger(BigInteger v, Format f, int rm) {
        if (v.signum() == 0) {
            return new Result(0, 0);
        }
        return round(Exact.of(v.signum() < 0 ? 1 : 0, v.abs(), BigInteger.ONE), f, rm);
    }

    /** Compares two non-NaN values: negative, zero or positive. -0 equals +0. */
    static int compare(long a, long b, Format f) {
        Exact x = isInfinite(a, f) ? null : value(a, f);
        Exact y = isInfinite(b, f) ? null : value(b, f);
        if (x == null || y == null) {
            int rx = x == null ? (sign(a, f) == 1 ? -1 : 1) : 0;
            int ry = y == null ? (sign(b, f) == 1 ? -1 : 1) : 0;
            return Integer.compare(rx, ry);
        }
        return x.signedNum().multiply(y.den()).compareTo(y.signedNum().multiply(x.den()));
    }
}
