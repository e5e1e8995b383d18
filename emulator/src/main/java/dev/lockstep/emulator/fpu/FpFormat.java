package dev.lockstep.emulator.fpu;

/**
 * A binary interchange format's layout, and the rules for NaN, infinity and zero operands, which
 * depend on nothing else, written once for {@link F32} and {@link F64}. Bits are in a long, a
 * binary32 zero-extended.
 *
 * <p>A record so that HotSpot trusts its final fields: with the two descriptors static final, the
 * JIT folds {@code BINARY32.isNaN(x)} into the same mask and compare a hand-written one would be.
 */
record FpFormat(int p, int emax, long sign, long infinity, long quiet) {
    static final FpFormat BINARY32 = new FpFormat(24, 127, 0x8000_0000L, 0x7f80_0000L, 0x0040_0000L);
    static final FpFormat BINARY64 =
            new FpFormat(53, 1023, Long.MIN_VALUE, 0x7ff0_0000_0000_0000L, 0x0008_0000_0000_0000L);

    /** RISC-V's canonical NaN, the only NaN an operation returns. */
    long canonicalNaN() {
        return infinity | quiet;
    }

    // ---- what a value is ----

    boolean isNaN(long a) {
        return (a & ~sign) > infinity;
    }

    boolean isSignaling(long a) {
        return isNaN(a) && (a & quiet) == 0;
    }

    boolean isInfOrNaN(long a) {
        return (a & infinity) == infinity;
    }

    boolean isInf(long a) {
        return (a & ~sign) == infinity;
    }

    boolean isZero(long a) {
        return (a & ~sign) == 0;
    }

    /** fclass: the 10-bit mask with exactly one bit set, from -inf (bit 0) to quiet NaN (bit 9). */
    int classify(long a) {
        long magnitude = a & ~sign;
        if (magnitude > infinity) {
            return (a & quiet) != 0 ? 1 << 9 : 1 << 8;
        }
        int positiveBit;
        if (magnitude == infinity) {
            positiveBit = 7;
        } else if ((magnitude & infinity) != 0) { // a nonzero exponent field
            positiveBit = 6;
        } else if (magnitude != 0) {
            positiveBit = 5;
        } else {
            positiveBit = 4;
        }
        return 1 << ((a & sign) != 0 ? 7 - positiveBit : positiveBit);
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
        if (isInf(a) && isInf(b) && ((a ^ b) & sign) != 0) {
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
        return ((a ^ b) & sign) | infinity;
    }

    /** a / b when either is infinite, NaN or zero. */
    long divSpecial(long a, long b, FpFlags flags) {
        long resultSign = (a ^ b) & sign;
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
            return resultSign | infinity;
        }
        return resultSign; // 0 / finite, or finite / inf
    }

    /** sqrt(a) when a is not a positive finite nonzero value: NaN, ±0, ±inf or negative. */
    long sqrtSpecial(long a, FpFlags flags) {
        if (isNaN(a)) {
            return nan(flags, isSignaling(a));
        }
        if (isZero(a) || a == infinity) {
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
            long productSign = (a ^ b) & sign;
            if (isInf(c) && (c & sign) != productSign) {
                return nan(flags, true); // inf - inf
            }
            return productSign | infinity;
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

    /** feq's rule (a quiet comparison): whether a or b is NaN, raising NV only for a signalling one. */
    boolean quietUnordered(long a, long b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            if (isSignaling(a) || isSignaling(b)) {
                flags.bits |= FpFlags.NV;
            }
            return true;
        }
        return false;
    }

    /** flt's and fle's rule (a signalling comparison): whether a or b is NaN, raising NV if so. */
    boolean signalingUnordered(long a, long b, FpFlags flags) {
        if (isNaN(a) || isNaN(b)) {
            flags.bits |= FpFlags.NV;
            return true;
        }
        return false;
    }
}
