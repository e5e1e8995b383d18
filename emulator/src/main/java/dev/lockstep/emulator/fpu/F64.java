package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.FpFormat.BINARY32;
import static dev.lockstep.emulator.fpu.FpFormat.BINARY64;
import static dev.lockstep.emulator.fpu.Rounding.exponent;
import static dev.lockstep.emulator.fpu.Rounding.significand;

/**
 * Binary64 (the D extension) on raw bits: arithmetic rounded per rm with fflags, RISC-V min/max,
 * comparisons, fclass and conversions.
 *
 * <p>In RNE each operation first tries Java's hardware result, which is already correctly rounded
 * to nearest-even; it keeps it when an exact error term proves the flags (each fast path carries its
 * proof). Everything else takes an exact path: integer significands for add, mul and fma, and for
 * div and sqrt a hardware result on operands scaled into [1, 4), whose exact remainder feeds
 * {@link Rounding#roundWithError}.
 */
public final class F64 {
    /** RISC-V's canonical NaN, the only NaN an operation returns. */
    public static final long CANONICAL_NAN = BINARY64.canonicalNaN();

    private static final long SIGN = Long.MIN_VALUE;
    private static final long ONE = 0x3ff0_0000_0000_0000L;

    /**
     * Below this magnitude a product's exact error term may fall under binary64's smallest
     * subnormal. A product is an integer m < 2^106 times its granularity g, a power of two; if
     * |a*b| > 2^-969 then g > 2^-1075, so g >= 2^-1074 and every multiple of g below 2^53 g is a
     * double. A computed product of at least 2^-968 implies an exact one above 2^-969.
     */
    private static final double EXACT_ERROR_FLOOR = 0x1p-968;

    private F64() {}

    // ---- arithmetic ----

    /** fadd.d */
    public static long add(long a, long b, int rm, FpFlags flags) {
        if (rm == Frm.RNE) {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            double s = x + y;
            if (Math.abs(s) <= Double.MAX_VALUE) {
                // A finite sum means finite operands and no overflow. The sum's rounding error is
                // always a double (TwoSum is exact without overflow), and a sum that is tiny is exact
                // (it is a multiple of 2^-1074 below 2^-1022), so NX is the only flag and UF never is.
                // Java's x + -x is +0 and -0 + -0 is -0, as IEEE says for RNE.
                if (Rounding.twoSumError(x, y, s) != 0) {
                    flags.bits |= FpFlags.NX;
                }
                return Double.doubleToRawLongBits(s);
            }
        }
        return addExact(a, b, rm, flags);
    }

    /** fsub.d: a + (-b), which IEEE defines it to be, signed zeros included. */
    public static long sub(long a, long b, int rm, FpFlags flags) {
        return add(a, b ^ SIGN, rm, flags);
    }

    /** fmul.d */
    public static long mul(long a, long b, int rm, FpFlags flags) {
        if (rm == Frm.RNE) {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            double p = x * y;
            double m = Math.abs(p);
            if (m >= EXACT_ERROR_FLOOR && m <= Double.MAX_VALUE) {
                // Finite and far above the normal range's floor: no overflow, not tiny, and the
                // product's error fma(x, y, -p) is exact (see EXACT_ERROR_FLOOR), so NX iff it is nonzero.
                if (Math.fma(x, y, -p) != 0) {
                    flags.bits |= FpFlags.NX;
                }
                return Double.doubleToRawLongBits(p);
            }
        }
        if (isInfOrNaN(a) || isInfOrNaN(b)) {
            return BINARY64.mulSpecial(a, b, flags);
        }
        if (isZero(a) || isZero(b)) {
            return (a ^ b) & SIGN;
        }
        return mulExact(a, b, rm, flags);
    }

    /** fdiv.d */
    public static long div(long a, long b, int rm, FpFlags flags) {
        if (rm == Frm.RNE) {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            double q = x / y;
            double m = Math.abs(q);
            if (Math.abs(x) >= EXACT_ERROR_FLOOR && Math.abs(y) >= Double.MIN_NORMAL
                    && m > Double.MIN_NORMAL && m <= Double.MAX_VALUE) {
                // Finite operands (else q would be inf, NaN or 0), no overflow, and |q| above the
                // smallest normal so the exact quotient is not tiny. The remainder r = x - q*y is a
                // multiple of G = ulp(q)ulp(y) = 2^(eq+ey-104) with |r| <= |y|ulp(q)/2 < 2^52 G, and
                // eq + ey >= ex - 1 >= -969 makes G >= 2^-1073: r is a double, fma computes it
                // exactly, and NX iff it is nonzero.
                if (Math.fma(-q, y, x) != 0) {
                    flags.bits |= FpFlags.NX;
                }
                return Double.doubleToRawLongBits(q);
            }
        }
        if (isInfOrNaN(a) || isInfOrNaN(b) || isZero(a) || isZero(b)) {
            return BINARY64.divSpecial(a, b, flags);
        }
        // Division ignores scale, so divide the significands, in [1, 2): the hardware quotient can
        // neither overflow nor underflow and its remainder is exact. Quotients of 53-bit
        // significands are never 53-bit ties (a tie times a 53-bit divisor needs 54 bits), which
        // roundWithError needs for binary64.
        double x = Double.longBitsToDouble((a & SIGN) | ONE | ((significand(a) >>> 10) & Rounding.F64_FRAC));
        double y = Double.longBitsToDouble(ONE | ((significand(b) >>> 10) & Rounding.F64_FRAC));
        double q = x / y;
        double r = Math.fma(-q, y, x); // y > 0, so r has the sign of x/y - q
        return Rounding.roundWithError(
                (b & SIGN) == 0 ? q : -q, (b & SIGN) == 0 ? r : -r, exponent(a) - exponent(b), rm, flags, BINARY64);
    }

    /** fsqrt.d */
    public static long sqrt(long a, int rm, FpFlags flags) {
        double x = Double.longBitsToDouble(a);
        if (rm == Frm.RNE && x >= EXACT_ERROR_FLOOR && x <= Double.MAX_VALUE) {
            // A square root is never tiny or overflowing. Its remainder x - s^2 is a multiple of
            // ulp(s)^2 >= 2^-1074 here and, for a correctly rounded s, a double (Boldo and Daumas,
            // "Representable correcting terms for possibly underflowing floating point operations",
            // ARITH 2003), so fma computes it exactly and NX iff it is nonzero.
            double s = Math.sqrt(x);
            if (Math.fma(-s, s, x) != 0) {
                flags.bits |= FpFlags.NX;
            }
            return Double.doubleToRawLongBits(s);
        }
        if (a <= 0 || isInfOrNaN(a)) {
            return BINARY64.sqrtSpecial(a, flags);
        }
        // sqrt(m * 2^(2k)) = sqrt(m) * 2^k with m in [1, 4): the hardware root is then in [1, 2), its
        // remainder exact; roots of doubles are never 53-bit ties, as roundWithError needs.
        int e = exponent(a);
        int k = e >> 1;
        double m = Double.longBitsToDouble(
                ((long) (1023 + e - 2 * k) << 52) | ((significand(a) >>> 10) & Rounding.F64_FRAC));
        double s = Math.sqrt(m);
        return Rounding.roundWithError(s, Math.fma(-s, s, m), k, rm, flags, BINARY64);
    }

    /** fmadd.d: a*b + c, rounded once. */
    public static long fmadd(long a, long b, long c, int rm, FpFlags flags) {
        if (rm == Frm.RNE) {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            double z = Double.longBitsToDouble(c);
            double s = Math.fma(x, y, z);
            double m = Math.abs(s);
            if (m > Double.MIN_NORMAL && m <= Double.MAX_VALUE && Math.abs(x * y) >= EXACT_ERROR_FLOOR) {
                // s = RN(xy + z), finite (so are x, y, z), not tiny, no overflow. It is exact iff
                // xy = s - z. When d = s - z is exact (TwoSum error 0) that is xy - d = 0, and
                // fma(x, y, -d) = RN(xy - d) is zero only then: xy - d is a multiple of 2^-1074 (the
                // granularity of xy is, see EXACT_ERROR_FLOOR, and d is a double), so a nonzero one
                // does not round to 0. When s - z is not exact, fall through to the exact path.
                double d = s - z;
                if (Rounding.twoSumError(s, -z, d) == 0) {
                    if (Math.fma(x, y, -d) != 0) {
                        flags.bits |= FpFlags.NX;
                    }
                    return Double.doubleToRawLongBits(s);
                }
            }
        }
        if (isInfOrNaN(a) || isInfOrNaN(b) || isInfOrNaN(c)) {
            return BINARY64.fmaSpecial(a, b, c, flags);
        }
        return fmaExact(a, b, c, rm, flags);
    }

    /** fmsub.d: a*b - c, rounded once. */
    public static long fmsub(long a, long b, long c, int rm, FpFlags flags) {
        return fmadd(a, b, c ^ SIGN, rm, flags);
    }

    /** fnmsub.d: -(a*b) + c, rounded once. */
    public static long fnmsub(long a, long b, long c, int rm, FpFlags flags) {
        return fmadd(a ^ SIGN, b, c, rm, flags);
    }

    /** fnmadd.d: -(a*b) - c, rounded once. */
    public static long fnmadd(long a, long b, long c, int rm, FpFlags flags) {
        return fmadd(a ^ SIGN, b, c ^ SIGN, rm, flags);
    }

    // ---- min, max, compare, classify ----

    /**
     * fmin.d (D v2.2, IEEE 754-2019 minimumNumber): a NaN operand yields the other, two NaNs the
     * canonical NaN, a signalling NaN raises NV, and -0 is less than +0.
     */
    public static long min(long a, long b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            return BINARY64.minMaxNaN(a, b, flags);
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        return x < y ? a : y < x ? b : a | b; // equal: same bits, or ±0 where the sign bit decides
    }

    /** fmax.d: as {@link #min}, with +0 greater than -0. */
    public static long max(long a, long b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            return BINARY64.minMaxNaN(a, b, flags);
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        return x > y ? a : y > x ? b : a & b;
    }

    /** feq.d: a quiet comparison, NV only for a signalling NaN. */
    public static boolean eq(long a, long b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            return BINARY64.eqNaN(a, b, flags);
        }
        return Double.longBitsToDouble(a) == Double.longBitsToDouble(b);
    }

    /** flt.d: a signalling comparison, NV for any NaN. */
    public static boolean lt(long a, long b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            flags.bits |= FpFlags.NV;
            return false;
        }
        return Double.longBitsToDouble(a) < Double.longBitsToDouble(b);
    }

    /** fle.d: a signalling comparison, NV for any NaN. */
    public static boolean le(long a, long b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            flags.bits |= FpFlags.NV;
            return false;
        }
        return Double.longBitsToDouble(a) <= Double.longBitsToDouble(b);
    }

    /** fclass.d: the 10-bit mask with exactly one bit set, from -inf (bit 0) to quiet NaN (bit 9). */
    public static int classify(long a) {
        return BINARY64.classify(a);
    }

    // ---- conversions ----

    /** fcvt.s.d: rounds per rm; a NaN becomes the canonical binary32 NaN (NV if signalling). */
    public static int toF32(long a, int rm, FpFlags flags) {
        if (isNaN(a)) {
            return (int) BINARY32.nan(flags, isSignaling(a));
        }
        if (isInf(a)) {
            return (int) (a >>> 32) & 0x8000_0000 | 0x7f80_0000;
        }
        if (isZero(a)) {
            return (int) (a >>> 32);
        }
        double d = Double.longBitsToDouble(a);
        if (rm == Frm.RNE) {
            float f = (float) d; // Java's narrowing is IEEE round to nearest-even
            float m = Math.abs(f);
            if (m > Float.MIN_NORMAL && m <= Float.MAX_VALUE) { // not tiny, no overflow
                if (f != d) {
                    flags.bits |= FpFlags.NX;
                }
                return Float.floatToRawIntBits(f);
            }
        }
        return (int) Rounding.round((int) (a >>> 63), exponent(a), significand(a), rm, flags, BINARY32);
    }

    /**
     * fcvt.w.d. Returns the 32-bit result; on RV64 the hart sign-extends it into rd, as for every
     * 32-bit fcvt result, unsigned ones included.
     */
    public static int toInt32(long a, int rm, FpFlags flags) {
        return (int) Rounding.toInteger(a, rm, flags, true, 32);
    }

    /** fcvt.wu.d. The 32-bit result, which the hart sign-extends on RV64 as the spec says. */
    public static int toUint32(long a, int rm, FpFlags flags) {
        return (int) Rounding.toInteger(a, rm, flags, false, 32);
    }

    /** fcvt.l.d */
    public static long toInt64(long a, int rm, FpFlags flags) {
        return Rounding.toInteger(a, rm, flags, true, 64);
    }

    /** fcvt.lu.d */
    public static long toUint64(long a, int rm, FpFlags flags) {
        return Rounding.toInteger(a, rm, flags, false, 64);
    }

    /** fcvt.d.w: exact. The hart passes the low 32 bits of rs1. */
    public static long fromInt32(int v) {
        return Double.doubleToRawLongBits(v);
    }

    /** fcvt.d.wu: exact. The hart passes the low 32 bits of rs1. */
    public static long fromUint32(int v) {
        return Double.doubleToRawLongBits(v & 0xffff_ffffL);
    }

    /** fcvt.d.l */
    public static long fromInt64(long v, int rm, FpFlags flags) {
        return Rounding.fromSigned(v, rm, flags, BINARY64);
    }

    /** fcvt.d.lu */
    public static long fromUint64(long v, int rm, FpFlags flags) {
        return Rounding.fromUnsigned(v, rm, flags, BINARY64);
    }

    // ---- exact paths ----

    /** a + b for any inputs, exactly rounded: aligned 63-bit integer significands with a sticky bit. */
    private static long addExact(long a, long b, int rm, FpFlags flags) {
        if (isInfOrNaN(a) || isInfOrNaN(b)) {
            return BINARY64.addSpecial(a, b, flags);
        }
        int signA = (int) (a >>> 63);
        int signB = (int) (b >>> 63);
        if (isZero(b)) {
            return isZero(a) ? (long) Rounding.zeroSumSign(signA, signB, rm) << 63 : a;
        }
        if (isZero(a)) {
            return b;
        }
        int expA = exponent(a);
        int expB = exponent(b);
        long sigA = significand(a);
        long sigB = significand(b);
        if (expA < expB || (expA == expB && sigA < sigB)) { // make A the larger magnitude
            int t = expA;
            expA = expB;
            expB = t;
            t = signA;
            signA = signB;
            signB = t;
            long u = sigA;
            sigA = sigB;
            sigB = u;
        }
        // One bit of headroom for a carry; the low 10 bits of both are zero, so nothing is lost
        // except what the alignment shifts out into the sticky bit.
        long x = sigA >>> 1;
        long y = Rounding.shiftRightJam(sigB >>> 1, expA - expB);
        if (signA == signB) {
            return Rounding.round(signA, expA + 1, x + y, rm, flags, BINARY64);
        }
        long difference = x - y; // >= 0 as |A| >= |B|
        if (difference == 0) {
            return (long) Rounding.zeroSumSign(signA, signB, rm) << 63;
        }
        // Jamming is sound under cancellation too: if the exponents differ by at most 1 nothing was
        // shifted out, and otherwise the difference keeps its leading one within 2 bits of bit 61.
        return Rounding.round(signA, expA + 1, difference, rm, flags, BINARY64);
    }

    /** a * b for finite nonzero operands: the 106-bit integer product, squeezed to 63 bits + sticky. */
    private static long mulExact(long a, long b, int rm, FpFlags flags) {
        long ma = significand(a) >>> 10; // 53 bits: [2^52, 2^53)
        long mb = significand(b) >>> 10;
        long hi = Math.multiplyHigh(ma, mb); // product in [2^104, 2^106): hi < 2^42
        long lo = ma * mb;
        long sig = (hi << 21) | (lo >>> 43) | ((lo & ((1L << 43) - 1)) != 0 ? 1 : 0);
        // value = sig * 2^43 * 2^(ea - 52) * 2^(eb - 52) = sig * 2^((ea + eb + 1) - 62)
        return Rounding.round((int) ((a ^ b) >>> 63), exponent(a) + exponent(b) + 1, sig, rm, flags, BINARY64);
    }

    /**
     * a*b + c for finite operands, exactly rounded: the 106-bit product and the aligned addend are
     * added in 128 bits with a sticky bit, then squeezed to 63 bits + sticky.
     */
    private static long fmaExact(long a, long b, long c, int rm, FpFlags flags) {
        int signP = (int) ((a ^ b) >>> 63);
        int signC = (int) (c >>> 63);
        if (isZero(a) || isZero(b)) {
            return isZero(c) ? (long) Rounding.zeroSumSign(signP, signC, rm) << 63 : c;
        }
        if (isZero(c)) {
            return mulExact(a, b, rm, flags); // p + 0 is p, rounded once
        }
        long ma = significand(a) >>> 10;
        long mb = significand(b) >>> 10;
        long pHi = Math.multiplyHigh(ma, mb);
        long pLo = ma * mb;
        int expP = exponent(a) + exponent(b);
        // Both addends get their leading one at bit 125 of 128, leaving two bits for the carry,
        // so each is (hi:lo) * 2^(exp - 125).
        int up;
        if ((pHi >>> 41) != 0) { // product at least 2^105
            expP++;
            up = 20;
        } else {
            up = 21;
        }
        pHi = (pHi << up) | (pLo >>> (64 - up));
        pLo <<= up;
        long cHi = significand(c) >>> 1; // its low 10 bits are zero: nothing is lost
        long cLo = 0;
        int expC = exponent(c);

        long xHi, xLo, yHi, yLo;
        int expX, signX, signY, d;
        if (expP >= expC) {
            xHi = pHi; xLo = pLo; expX = expP; signX = signP;
            yHi = cHi; yLo = cLo; signY = signC; d = expP - expC;
        } else {
            xHi = cHi; xLo = cLo; expX = expC; signX = signC;
            yHi = pHi; yLo = pLo; signY = signP; d = expC - expP;
        }
        // Shift Y right by d, ORing what falls off into bit 0.
        if (d >= 128) {
            yLo = (yHi | yLo) != 0 ? 1 : 0;
            yHi = 0;
        } else if (d >= 64) {
            long lost = d == 64 ? yLo : yLo | (yHi << (128 - d));
            yLo = (yHi >>> (d - 64)) | (lost != 0 ? 1 : 0);
            yHi = 0;
        } else if (d > 0) {
            long lost = yLo << (64 - d);
            yLo = (yLo >>> d) | (yHi << (64 - d)) | (lost != 0 ? 1 : 0);
            yHi >>>= d;
        }

        long zHi, zLo;
        int sign = signX;
        if (signX == signY) {
            zLo = xLo + yLo;
            zHi = xHi + yHi + (Long.compareUnsigned(zLo, xLo) < 0 ? 1 : 0);
        } else {
            zLo = xLo - yLo;
            zHi = xHi - yHi - (Long.compareUnsigned(xLo, yLo) < 0 ? 1 : 0);
            if (zHi < 0) { // only when d = 0 and |Y| > |X|
                zLo = -zLo;
                zHi = ~zHi + (zLo == 0 ? 1 : 0);
                sign = signY;
            }
            if ((zHi | zLo) == 0) {
                return (long) Rounding.zeroSumSign(signX, signY, rm) << 63;
            }
            // As in addExact: with d <= 1 nothing was jammed (the product's low 20 bits and the
            // addend's low 73 are zero), and with d >= 2 at most 2 bits cancel.
        }
        // Bring the leading one to bit 126, then keep the high word with the low one as sticky.
        int k = (zHi != 0 ? Long.numberOfLeadingZeros(zHi) : 64 + Long.numberOfLeadingZeros(zLo)) - 1;
        if (k >= 64) {
            zHi = zLo << (k - 64);
            zLo = 0;
        } else if (k > 0) {
            zHi = (zHi << k) | (zLo >>> (64 - k));
            zLo <<= k;
        }
        long sig = zHi | (zLo != 0 ? 1 : 0);
        // value = (z << k) * 2^(expX - 125 - k) = sig * 2^64 * 2^(expX - 125 - k)
        return Rounding.round(sign, expX + 1 - k, sig, rm, flags, BINARY64);
    }

    // ---- special operands ----

    private static boolean isNaN(long a) {
        return BINARY64.isNaN(a);
    }

    private static boolean isSignaling(long a) {
        return BINARY64.isSignaling(a);
    }

    private static boolean isInfOrNaN(long a) {
        return BINARY64.isInfOrNaN(a);
    }

    private static boolean isInf(long a) {
        return BINARY64.isInf(a);
    }

    private static boolean isZero(long a) {
        return BINARY64.isZero(a);
    }
}
