package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.FpFormat.BINARY32;
import static dev.lockstep.emulator.fpu.FpFormat.BINARY64;

/**
 * Binary32 (the F extension) on raw bits: arithmetic rounded per rm with fflags, RISC-V min/max,
 * comparisons, fclass, conversions and NaN-boxing.
 *
 * <p>Every binary32 operation is computed in binary64 hardware arithmetic first, which is exact or
 * comes with an exact error term: operands widen exactly; a product of two 24-bit significands
 * fits in 53 bits; and for sums, quotients and square roots the error (TwoSum, or the remainder
 * recovered with {@link Math#fma}) is an exact double because float-range values sit some 700
 * binades above binary64's underflow. {@link Rounding#roundWithError} then rounds to binary32 in
 * any mode; its comment holds the proof.
 */
public final class F32 {
    /** RISC-V's canonical NaN, the only NaN an operation returns. */
    public static final int CANONICAL_NAN = (int) BINARY32.canonicalNaN();

    private static final int SIGN = 0x8000_0000;
    private static final long BOX = 0xffff_ffff_0000_0000L;

    private F32() {}

    // ---- NaN-boxing: a binary32 in a 64-bit f register ----

    /** The 64-bit register value holding {@code a}: upper 32 bits all ones. */
    public static long box(int a) {
        return BOX | (a & 0xffff_ffffL);
    }

    /** The binary32 a register holds; an improperly boxed value reads as the canonical NaN. */
    public static int unbox(long register) {
        return (register & BOX) == BOX ? (int) register : CANONICAL_NAN;
    }

    // ---- arithmetic ----

    /** fadd.s */
    public static int add(int a, int b, int rm, FpFlags flags) {
        if (isInfOrNaN(a) || isInfOrNaN(b)) {
            return (int) BINARY32.addSpecial(bits(a), bits(b), flags);
        }
        double x = widen(a);
        double y = widen(b);
        double s = x + y;
        if (s == 0) { // x + y is exactly zero: binary64 sums of floats cannot underflow
            return Rounding.zeroSumSign(a >>> 31, b >>> 31, rm) << 31;
        }
        double err = Rounding.twoSumError(x, y, s);
        if (rm == Frm.RNE) {
            float f = (float) s;
            if (isNormalBeyondSmallest(f)) {
                // (float) s == RN24(x + y): rounding to 53 and then 24 bits equals rounding once to 24
                // for +, -, *, /, sqrt because 53 >= 2*24 + 2 (Figueroa, "When is double rounding
                // innocuous?", SIGNUM 1995). |f| above the smallest normal means not tiny; finite means
                // no overflow. Inexact iff s is not the float, or s was not the exact sum.
                if (err != 0 || f != s) {
                    flags.bits |= FpFlags.NX;
                }
                return Float.floatToRawIntBits(f);
            }
        }
        return (int) Rounding.roundWithError(s, err, 0, rm, flags, BINARY32);
    }

    /** fsub.s: a + (-b), which IEEE defines it to be, signed zeros included. */
    public static int sub(int a, int b, int rm, FpFlags flags) {
        return add(a, b ^ SIGN, rm, flags);
    }

    /** fmul.s */
    public static int mul(int a, int b, int rm, FpFlags flags) {
        if (isInfOrNaN(a) || isInfOrNaN(b)) {
            return (int) BINARY32.mulSpecial(bits(a), bits(b), flags);
        }
        double p = widen(a) * widen(b); // exact: 48 significant bits, far from binary64's range limits
        if (p == 0) {
            return (a ^ b) & SIGN;
        }
        if (rm == Frm.RNE) {
            float f = (float) p; // a single rounding of the exact product
            if (isNormalBeyondSmallest(f)) {
                if (f != p) {
                    flags.bits |= FpFlags.NX;
                }
                return Float.floatToRawIntBits(f);
            }
        }
        return (int) Rounding.roundWithError(p, 0, 0, rm, flags, BINARY32);
    }

    /** fdiv.s */
    public static int div(int a, int b, int rm, FpFlags flags) {
        if (isInfOrNaN(a) || isInfOrNaN(b) || isZero(a) || isZero(b)) {
            return (int) BINARY32.divSpecial(bits(a), bits(b), flags);
        }
        double x = widen(a);
        double y = widen(b);
        double q = x / y;
        // x - q*y is exact in binary64 for a correctly rounded q without underflow (the remainder of a
        // division is representable), and fma computes it with one rounding, so exactly.
        double r = Math.fma(-q, y, x);
        double err = y > 0 ? r : -r; // sign of x/y - q
        if (rm == Frm.RNE) {
            float f = (float) q; // innocuous double rounding, as in add
            if (isNormalBeyondSmallest(f)) {
                if (r != 0 || f != q) {
                    flags.bits |= FpFlags.NX;
                }
                return Float.floatToRawIntBits(f);
            }
        }
        return (int) Rounding.roundWithError(q, err, 0, rm, flags, BINARY32);
    }

    /** fsqrt.s */
    public static int sqrt(int a, int rm, FpFlags flags) {
        if (a <= 0 || isInfOrNaN(a)) {
            return (int) BINARY32.sqrtSpecial(bits(a), flags);
        }
        double x = widen(a);
        double s = Math.sqrt(x);
        double r = Math.fma(-s, s, x); // exact (the remainder of a correctly rounded sqrt); sign of sqrt(x) - s
        if (rm == Frm.RNE) {
            float f = (float) s; // innocuous double rounding, as in add
            if (isNormalBeyondSmallest(f)) {
                if (r != 0 || f != s) {
                    flags.bits |= FpFlags.NX;
                }
                return Float.floatToRawIntBits(f);
            }
        }
        return (int) Rounding.roundWithError(s, r, 0, rm, flags, BINARY32);
    }

    /** fmadd.s: a*b + c, rounded once. */
    public static int fmadd(int a, int b, int c, int rm, FpFlags flags) {
        if (isInfOrNaN(a) || isInfOrNaN(b) || isInfOrNaN(c)) {
            return (int) BINARY32.fmaSpecial(bits(a), bits(b), bits(c), flags);
        }
        double p = widen(a) * widen(b); // exact, as in mul
        double z = widen(c);
        double s = p + z;
        if (s == 0) {
            return Rounding.zeroSumSign((a ^ b) >>> 31, c >>> 31, rm) << 31;
        }
        // No fast path: rounding p + z to 53 and then 24 bits is not innocuous for a sum of a 48-bit
        // and a 24-bit value, so always round from the exact error.
        return (int) Rounding.roundWithError(s, Rounding.twoSumError(p, z, s), 0, rm, flags, BINARY32);
    }

    /** fmsub.s: a*b - c, rounded once. */
    public static int fmsub(int a, int b, int c, int rm, FpFlags flags) {
        return fmadd(a, b, c ^ SIGN, rm, flags);
    }

    /** fnmsub.s: -(a*b) + c, rounded once. */
    public static int fnmsub(int a, int b, int c, int rm, FpFlags flags) {
        return fmadd(a ^ SIGN, b, c, rm, flags);
    }

    /** fnmadd.s: -(a*b) - c, rounded once. */
    public static int fnmadd(int a, int b, int c, int rm, FpFlags flags) {
        return fmadd(a ^ SIGN, b, c ^ SIGN, rm, flags);
    }

    // ---- min, max, compare, classify ----

    /**
     * fmin.s (F v2.2, IEEE 754-2019 minimumNumber): a NaN operand yields the other, two NaNs the
     * canonical NaN, a signalling NaN raises NV, and -0 is less than +0.
     */
    public static int min(int a, int b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            return (int) BINARY32.minMaxNaN(bits(a), bits(b), flags);
        }
        float x = Float.intBitsToFloat(a);
        float y = Float.intBitsToFloat(b);
        return x < y ? a : y < x ? b : a | b; // equal: same bits, or ±0 where the sign bit decides
    }

    /** fmax.s: as {@link #min}, with +0 greater than -0. */
    public static int max(int a, int b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            return (int) BINARY32.minMaxNaN(bits(a), bits(b), flags);
        }
        float x = Float.intBitsToFloat(a);
        float y = Float.intBitsToFloat(b);
        return x > y ? a : y > x ? b : a & b;
    }

    /** feq.s: a quiet comparison, NV only for a signalling NaN. */
    public static boolean eq(int a, int b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            return BINARY32.eqNaN(bits(a), bits(b), flags);
        }
        return Float.intBitsToFloat(a) == Float.intBitsToFloat(b);
    }

    /** flt.s: a signalling comparison, NV for any NaN. */
    public static boolean lt(int a, int b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            flags.bits |= FpFlags.NV;
            return false;
        }
        return Float.intBitsToFloat(a) < Float.intBitsToFloat(b);
    }

    /** fle.s: a signalling comparison, NV for any NaN. */
    public static boolean le(int a, int b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            flags.bits |= FpFlags.NV;
            return false;
        }
        return Float.intBitsToFloat(a) <= Float.intBitsToFloat(b);
    }

    /** fclass.s: the 10-bit mask with exactly one bit set, from -inf (bit 0) to quiet NaN (bit 9). */
    public static int classify(int a) {
        return BINARY32.classify(bits(a));
    }

    // ---- conversions ----

    /** fcvt.d.s: exact; a NaN becomes the canonical binary64 NaN (NV if signalling). */
    public static long toF64(int a, FpFlags flags) {
        if (isNaN(a)) {
            return BINARY64.nan(flags, isSignaling(a));
        }
        return Double.doubleToRawLongBits(widen(a));
    }

    /**
     * fcvt.w.s. Returns the 32-bit result; on RV64 the hart sign-extends it into rd, as for every
     * 32-bit fcvt result, unsigned ones included.
     */
    public static int toInt32(int a, int rm, FpFlags flags) {
        return (int) Rounding.toInteger(widenBits(a), rm, flags, true, 32);
    }

    /** fcvt.wu.s. The 32-bit result, which the hart sign-extends on RV64 as the spec says. */
    public static int toUint32(int a, int rm, FpFlags flags) {
        return (int) Rounding.toInteger(widenBits(a), rm, flags, false, 32);
    }

    /** fcvt.l.s */
    public static long toInt64(int a, int rm, FpFlags flags) {
        return Rounding.toInteger(widenBits(a), rm, flags, true, 64);
    }

    /** fcvt.lu.s */
    public static long toUint64(int a, int rm, FpFlags flags) {
        return Rounding.toInteger(widenBits(a), rm, flags, false, 64);
    }

    /** fcvt.s.w: the hart passes the low 32 bits of rs1. */
    public static int fromInt32(int v, int rm, FpFlags flags) {
        return (int) Rounding.fromSigned(v, rm, flags, BINARY32);
    }

    /** fcvt.s.wu: the hart passes the low 32 bits of rs1. */
    public static int fromUint32(int v, int rm, FpFlags flags) {
        return (int) Rounding.fromUnsigned(Integer.toUnsignedLong(v), rm, flags, BINARY32);
    }

    /** fcvt.s.l */
    public static int fromInt64(long v, int rm, FpFlags flags) {
        return (int) Rounding.fromSigned(v, rm, flags, BINARY32);
    }

    /** fcvt.s.lu */
    public static int fromUint64(long v, int rm, FpFlags flags) {
        return (int) Rounding.fromUnsigned(v, rm, flags, BINARY32);
    }

    // ---- helpers ----

    /** a's bits as {@link FpFormat} takes them: zero-extended. */
    private static long bits(int a) {
        return Integer.toUnsignedLong(a);
    }

    private static boolean isNaN(int a) {
        return BINARY32.isNaN(bits(a));
    }

    private static boolean isSignaling(int a) {
        return BINARY32.isSignaling(bits(a));
    }

    private static boolean isInfOrNaN(int a) {
        return BINARY32.isInfOrNaN(bits(a));
    }

    private static boolean isZero(int a) {
        return BINARY32.isZero(bits(a));
    }

    /** The exact binary64 value of a non-NaN binary32; a NaN becomes the canonical binary64 NaN. */
    private static long widenBits(int a) {
        return isNaN(a) ? F64.CANONICAL_NAN : Double.doubleToRawLongBits(widen(a));
    }

    private static double widen(int a) {
        return Float.intBitsToFloat(a); // exact for every non-NaN binary32
    }

    private static boolean isNormalBeyondSmallest(float f) {
        float m = Math.abs(f);
        return m > Float.MIN_NORMAL && m <= Float.MAX_VALUE;
    }
}
