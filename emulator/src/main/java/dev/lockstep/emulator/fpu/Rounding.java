package dev.lockstep.emulator.fpu;

/**
 * The one place a real number becomes a binary32 or binary64 encoding: rounding in each mode,
 * overflow, subnormals, tininess and the flags they raise, shared by {@link F32} and {@link F64}.
 *
 * <p>Exact intermediate values are passed as a sign, an exponent {@code exp} and a positive
 * significand {@code sig} meaning {@code sig * 2^(exp - 62)}; normalized, bit 62 is the leading one
 * and {@code 2^exp <= |value| < 2^(exp+1)}. Bit 0 may be a sticky bit standing for any nonzero tail.
 * That is sound because a result keeps at most 53 of the 63 bits, so at least 10 bits lie below
 * the last kept bit and the sticky bit can never be mistaken for, or decide, a half-way tie.
 */
final class Rounding {
    static final long F64_FRAC = 0x000f_ffff_ffff_ffffL;
    static final long F64_HIDDEN = 0x0010_0000_0000_0000L;

    private Rounding() {}

    /**
     * Rounds {@code (-1)^sign * sig * 2^(exp - 62)} to format {@code f} and returns its encoding
     * (binary32 in the low 32 bits). {@code sig} must be positive, need not be normalized, and may
     * carry a sticky bit 0.
     */
    static long round(int sign, int exp, long sig, int rm, FpFlags flags, FpFormat f) {
        int p = f.p();
        int emax = f.emax();
        int emin = 1 - emax;
        int lz = Long.numberOfLeadingZeros(sig) - 1;
        sig <<= lz;
        exp -= lz;
        if (exp > emax) {
            return overflow(sign, rm, flags, f);
        }
        int shift = 63 - p; // bits below the last kept bit of a normal result
        boolean tiny = false;
        if (exp < emin) {
            // RISC-V F, "Subnormal Arithmetic": "In the parlance of the IEEE standard, tininess is
            // detected after rounding." IEEE 754-2019 7.5: the result is tiny when the value rounded
            // to p bits with an unbounded exponent range lies strictly inside (-2^emin, 2^emin).
            // Only a value in [2^(emin-1), 2^emin) can round up to 2^emin, by carrying out of its
            // p bits; anything smaller stays tiny.
            tiny = exp < emin - 1 || !carriesOut(sig, shift, sign, rm, p);
            shift += emin - exp;
            if (shift > 63) {
                // Every bit lies below the half-ulp of the smallest subnormal: only "nonzero" matters.
                sig = 1;
                shift = 63;
            }
        }
        long kept = sig >>> shift;
        long rem = sig & ((1L << shift) - 1);
        if (rem != 0) {
            // IEEE 754-2019 7.5: under default handling, underflow is signalled only when the tiny
            // result is also inexact.
            flags.bits |= tiny ? FpFlags.NX | FpFlags.UF : FpFlags.NX;
            if (roundsAway(rm, sign, kept, rem, 1L << (shift - 1))) {
                kept++;
            }
        }
        long signBit = f.signBit(sign);
        if (exp < emin) {
            // A subnormal's encoding is its significand; a carry into bit p-1 spells the smallest
            // normal, which is exactly the rounded value.
            return signBit | kept;
        }
        if (exp == emax && kept == 1L << p) {
            return overflow(sign, rm, flags, f);
        }
        // kept holds the hidden bit, so adding it to (biased exponent - 1) also absorbs a carry out of
        // the significand into the exponent.
        return signBit | (((long) (exp + emax - 1) << (p - 1)) + kept);
    }

    /** Whether rounding sig to p bits carries out to 2^p, i.e. sig is all ones there and rounds up. */
    private static boolean carriesOut(long sig, int shift, int sign, int rm, int p) {
        long kept = sig >>> shift;
        long rem = sig & ((1L << shift) - 1);
        return rem != 0 && kept == (1L << p) - 1 && roundsAway(rm, sign, kept, rem, 1L << (shift - 1));
    }

    /**
     * Whether a magnitude whose kept bits are {@code kept} and whose nonzero discarded bits are
     * {@code rem} (half an ulp being {@code half}) rounds away from zero.
     */
    static boolean roundsAway(int rm, int sign, long kept, long rem, long half) {
        switch (rm) {
            case Frm.RNE:
                return rem > half || (rem == half && (kept & 1) != 0);
            case Frm.RTZ:
                return false;
            case Frm.RDN:
                return sign != 0;
            case Frm.RUP:
                return sign == 0;
            case Frm.RMM:
                return rem >= half;
            default:
                throw new IllegalArgumentException(
                        "rounding mode " + rm + " is not RNE..RMM; the hart resolves DYN and traps on 5 and 6");
        }
    }

    /** IEEE 754-2019 7.4: infinity, or the largest finite value when the mode rounds towards zero. */
    private static long overflow(int sign, int rm, FpFlags flags, FpFormat f) {
        flags.bits |= FpFlags.OF | FpFlags.NX;
        boolean toInfinity = rm == Frm.RNE || rm == Frm.RMM
                || (rm == Frm.RUP && sign == 0) || (rm == Frm.RDN && sign != 0);
        long signBit = f.signBit(sign);
        return signBit | (toInfinity ? f.infinity() : f.infinity() - 1);
    }

    /**
     * Rounds {@code (s + err) * 2^scale}, where {@code s} is a nonzero finite double and {@code err}
     * the exact error of the hardware operation that produced {@code s}; only the sign of {@code err}
     * is used. The sign comes from {@code s}.
     *
     * <p>Sound when {@code s} is the correctly rounded (to nearest, 53 bits, no underflow) value of
     * the exact x = s + err and either the target has fewer bits (p = 24) or x is never a 53-bit
     * tie (quotients and square roots). Proof: replace x by y = s + sign(err) * 2^(exp(s) - 62). No
     * 53-bit point lies strictly between s and x, and x is not one. Every point where rounding to p
     * bits (or to a subnormal, or the tininess test) changes its answer is a p-bit point or midpoint;
     * for p = 24 those are 53-bit points, for p = 53 they are 53-bit points or midpoints, and x is no
     * midpoint. So x and y, both strictly inside (s, neighbour of s), round alike and are inexact alike.
     */
    static long roundWithError(double s, double err, int scale, int rm, FpFlags flags, FpFormat f) {
        long bits = Double.doubleToRawLongBits(s);
        int sign = (int) (bits >>> 63);
        long sig = significand(bits);
        if (err != 0) {
            // sig's low 10 bits are zero, so sig | 1 and sig - 1 stay strictly between s and the next
            // double out or in.
            sig = (err > 0) == (sign == 0) ? sig | 1 : sig - 1;
        }
        return round(sign, exponent(bits) + scale, sig, rm, flags, f);
    }

    /** Rounds the two's complement integer {@code v} (a 32-bit one sign-extended) to format {@code f}. */
    static long fromSigned(long v, int rm, FpFlags flags, FpFormat f) {
        // -Long.MIN_VALUE is Long.MIN_VALUE, which read unsigned is the right magnitude, 2^63.
        return fromInteger((int) (v >>> 63), v < 0 ? -v : v, rm, flags, f);
    }

    /** Rounds the unsigned integer {@code v} (a 32-bit one zero-extended) to format {@code f}. */
    static long fromUnsigned(long v, int rm, FpFlags flags, FpFormat f) {
        return fromInteger(0, v, rm, flags, f);
    }

    /** Rounds the integer {@code (-1)^sign * magnitude}, magnitude read as unsigned, to format f. */
    private static long fromInteger(int sign, long magnitude, int rm, FpFlags flags, FpFormat f) {
        if (magnitude == 0) {
            return 0; // IEEE: an exact zero from an integer is +0
        }
        if (magnitude < 0) { // bit 63 set: halve it, keeping the lost bit as sticky
            return round(sign, 63, (magnitude >>> 1) | (magnitude & 1), rm, flags, f);
        }
        return round(sign, 62, magnitude, rm, flags, f);
    }

    /**
     * Converts binary64 bits to an integer of {@code width} (32 or 64) bits, signed or not, per
     * RISC-V's fcvt rules: round per rm; a NaN, an infinity or a rounded value out of range raises NV
     * (and not NX) and saturates: NaN and too-large to the maximum, too-small to the minimum (0 for
     * unsigned). The result is the integer's two's complement bits in a long.
     */
    static long toInteger(long a, int rm, FpFlags flags, boolean signed, int width) {
        long max = signed ? (1L << (width - 1)) - 1 : width == 64 ? -1L : (1L << width) - 1;
        long min = signed ? -(1L << (width - 1)) : 0;
        int sign = (int) (a >>> 63);
        int biased = (int) (a >>> 52) & 0x7ff;
        if (biased == 0x7ff) {
            flags.bits |= FpFlags.NV;
            return sign == 0 || (a & F64_FRAC) != 0 ? max : min;
        }
        if ((a & ~Long.MIN_VALUE) == 0) {
            return 0;
        }
        int exp = exponent(a);
        long sig = significand(a);
        long magnitude; // unsigned
        boolean inexact = false;
        if (exp >= 64) {
            flags.bits |= FpFlags.NV;
            return sign == 0 ? max : min;
        } else if (exp == 63) {
            magnitude = sig << 1; // at least 2^63: an integer, so exact
        } else {
            int shift = 62 - exp;
            if (shift > 63) {
                sig = 1; // below one half: only "nonzero" matters
                shift = 63;
            }
            magnitude = sig >>> shift;
            long rem = sig & ((1L << shift) - 1);
            if (rem != 0) {
                inexact = true;
                if (roundsAway(rm, sign, magnitude, rem, 1L << (shift - 1))) {
                    magnitude++;
                }
            }
        }
        boolean inRange = sign == 0
                ? Long.compareUnsigned(magnitude, max) <= 0
                : Long.compareUnsigned(magnitude, -min) <= 0; // -min is 2^(width-1) unsigned, or 0
        if (!inRange) {
            flags.bits |= FpFlags.NV;
            return sign == 0 ? max : min;
        }
        if (inexact) {
            flags.bits |= FpFlags.NX;
        }
        return sign == 0 ? magnitude : -magnitude;
    }

    /**
     * The sign of an exact zero sum x + y of the given signs (IEEE 754-2019 6.3): +0 in every mode
     * but RDN, where it is -0; two zeros of the same sign keep it.
     */
    static int zeroSumSign(int signX, int signY, int rm) {
        return rm == Frm.RDN ? signX | signY : signX & signY;
    }

    /** For finite nonzero binary64 bits, the e with 2^e <= |v| < 2^(e+1). */
    static int exponent(long bits) {
        int biased = (int) (bits >>> 52) & 0x7ff;
        return biased != 0 ? biased - 1023 : -1011 - Long.numberOfLeadingZeros(bits & F64_FRAC);
    }

    /** For finite nonzero binary64 bits, the significand with its leading one at bit 62. */
    static long significand(long bits) {
        long frac = bits & F64_FRAC;
        return (bits & 0x7ff0_0000_0000_0000L) != 0
                ? (frac | F64_HIDDEN) << 10
                : frac << (Long.numberOfLeadingZeros(frac) - 1);
    }

    /**
     * Knuth's TwoSum: for s = x + y rounded to nearest, the exact x + y - s, which is always a double
     * when nothing overflows.
     */
    static double twoSumError(double x, double y, double s) {
        double yv = s - x;
        double xv = s - yv;
        return (x - xv) + (y - yv);
    }

    /** x >>> n, with any one bits shifted out ORed into bit 0. */
    static long shiftRightJam(long x, int n) {
        if (n == 0) {
            return x;
        }
        if (n >= 63) {
            return x != 0 ? 1 : 0;
        }
        return (x >>> n) | ((x & ((1L << n) - 1)) != 0 ? 1 : 0);
    }
}
