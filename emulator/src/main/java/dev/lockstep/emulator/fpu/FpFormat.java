package dev.lockstep.emulator.fpu;

/**
 * A binary interchange format, given as IEEE 754's width k and precision p, and the rules for NaN,
 * infinity and zero operands, which depend on nothing else: written once for {@link F32} and
 * {@link F64}. Bits are in a long, a binary32 zero-extended.
 *
 * <p>A record so that HotSpot trusts its final fields: with the two descriptors static final, the
 * JIT folds the masks below to constants, and {@code BINARY32.isNaN(x)} compiles to the mask and
 * compare a hand-written one would.
 */
record FpFormat(int width, int p) {
    static final FpFormat BINARY32 = new FpFormat(32, 24);
    static final FpFormat BINARY64 = new FpFormat(64, 53);

    /** The largest exponent, also the bias. */
    int emax() {
        return (1 << (width - p - 1)) - 1;
    }

    /** The sign bit's mask. */
    long sign() {
        return 1L << (width - 1);
    }

    /** The sign bit for {@code sign} 0 or 1. */
    long signBit(int sign) {
        return (long) sign << (width - 1);
    }

    /** +infinity, which is also the mask of the exponent field. */
    long infinity() {
        return ((1L << (width - p)) - 1) << (p - 1);
    }

    /** The fraction's top bit, set in a quiet NaN. */
    long quiet() {
        return 1L << (p - 2);
    }

    /** RISC-V's canonical NaN, the only NaN an operation returns. */
    long canonicalNaN() {
        return infinity() | quiet();
    }

    // ---- what a value is ----

    boolean isNaN(long a) {
        return (a & ~sign()) > infinity();
    }

    boolean isSignaling(long a) {
        return isNaN(a) && (a & quiet()) == 0;
    }

    boolean isInfOrNaN(long a) {
        return (a & infinity()) == infinity();
    }

    boolean isInf(long a) {
        return (a & ~sign()) == infinity();
    }

    boolean isZero(long a) {
        return (a & ~sign()) == 0;
    }

    /** fclass: the 10-bit mask with exactly one bit set, from -inf (bit 0) to quiet NaN (bit 9). */
    int classify(long a) {
        long magnitude = a & ~sign();
        if (magnitude > infinity()) {
            return (a & quiet()) != 0 ? 1 << 9 : 1 << 8;
        }
        int positiveBit;
        if (magnitude == infinity()) {
            positiveBit = 7;
        } else if (magnitude >= 1L << (p - 1)) { // the smallest normal
            positiveBit = 6;
        } else if (magnitude != 0) {
            positiveBit = 5;
        } else {
            positiveBit = 4;
        }
        return 1 << (magnitude != a ? 7 - positiveBit : positiveBit); // magnitude != a: negative
    }

    // ---- operations on special operands ----

    /** The canonical NaN, raising NV if {@code invalid}. */
    long nan(FpFlags flags, boolean invalid) {
        if (invalid) {
            flags.bits |= FpFlags.NV;
        }
        return canonicalNaN();
    }

    /** a + b when either is infinite or NaN. */
    long addSpecial(long a, long b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            return nan(flags, isSignaling(a) || isSignaling(b));
        }
        if (isInf(a) && isInf(b) && ((a ^ b) & sign()) != 0) {
            return nan(flags, true); // inf - inf
        }
        return isInf(a) ? a : b;
    }

    /** a * b when either is infinite or NaN. */
    long mulSpecial(long a, long b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            return nan(flags, isSignaling(a) || isSignaling(b));
        }
        if (isZero(a) || isZero(b)) {
            return nan(flags, true); // inf * 0
        }
        return ((a ^ b) & sign()) | infinity();
    }

    /** a / b when either is infinite, NaN or zero. */
    long divSpecial(long a, long b, FpFlags flags) {
        long resultSign = (a ^ b) & sign();
        if (isNaN(a) || isNaN(b)) {
            return nan(flags, isSignaling(a) || isSignaling(b));
        }
        if ((isInf(a) && isInf(b)) || (isZero(a) && isZero(b))) {
            return nan(flags, true);
        }
        if (isInf(a) || isZero(b)) {
            if (!isInf(a)) {
                flags.bits |= FpFlags.DZ; // finite nonzero / 0
            }
            return resultSign | infinity();
        }
        return resultSign; // 0 / finite, or finite / inf
    }

    /** sqrt(a) when a is not a positive finite nonzero value: NaN, ±0, ±inf or negative. */
    long sqrtSpecial(long a, FpFlags flags) {
        if (isNaN(a)) {
            return nan(flags, isSignaling(a));
        }
        if (isZero(a) || a == infinity()) {
            return a; // sqrt(±0) = ±0, sqrt(+inf) = +inf, exactly
        }
        return nan(flags, true); // negative
    }

    /** a*b + c when any of them is infinite or NaN. */
    long fmaSpecial(long a, long b, long c, FpFlags flags) {
        // F and D extensions: 0 * inf is invalid "even when the addend is a quiet NaN".
        boolean invalidProduct = (isInf(a) && isZero(b)) || (isZero(a) && isInf(b));
        if (isNaN(a) || isNaN(b) || isNaN(c)) {
            return nan(flags, invalidProduct || isSignaling(a) || isSignaling(b) || isSignaling(c));
        }
        if (invalidProduct) {
            return nan(flags, true);
        }
        if (isInf(a) || isInf(b)) {
            long productSign = (a ^ b) & sign();
            if (isInf(c) && (c & sign()) != productSign) {
                return nan(flags, true); // inf - inf
            }
            return productSign | infinity();
        }
        return c; // c is infinite and the product finite
    }

    /** fmin/fmax when either operand is NaN: the other one, or the canonical NaN if both are. */
    long minMaxNaN(long a, long b, FpFlags flags) {
        if (isSignaling(a) || isSignaling(b)) {
            flags.bits |= FpFlags.NV;
        }
        if (isNaN(a) && isNaN(b)) {
            return canonicalNaN();
        }
        return isNaN(a) ? b : a;
    }

    /** feq when either operand is NaN: false, and NV only for a signalling one (a quiet comparison). */
    boolean eqNaN(long a, long b, FpFlags flags) {
        if (isSignaling(a) || isSignaling(b)) {
            flags.bits |= FpFlags.NV;
        }
        return false;
    }
}
