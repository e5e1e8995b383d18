package dev.lockstep.emulator.fpu;

/**
 * The accrued exception flags (the fflags CSR). The hart owns one; every operation ORs into it, so
 * flags stay set until software clears them, as the spec requires.
 */
public final class FpFlags {
    /** Inexact. */
    public static final int NX = 1;
    /** Underflow: tiny after rounding and inexact. */
    public static final int UF = 2;
    /** Overflow. */
    public static final int OF = 4;
    /** Divide by zero. */
    public static final int DZ = 8;
    /** Invalid operation. */
    public static final int NV = 16;

    // Package-private so operations OR into it without a call; the JIT would inline one anyway.
    int bits;

    /** The flags raised since the last {@link #set} or {@link #clear}. */
    public int bits() {
        return bits;
    }

    /** Replaces the flags, as a CSR write to fflags or fcsr does; bits above NV are dropped. */
    public void set(int bits) {
        this.bits = bits & 0x1f;
    }

    public void clear() {
        bits = 0;
    }

    @Override
    public String toString() {
        return describe(bits);
    }

    /** The flags as the spec's mnemonics, e.g. "NV|NX", or "none". */
    public static String describe(int bits) {
        if ((bits & 0x1f) == 0) {
            return "none";
        }
        StringBuilder s = new StringBuilder();
        String[] names = {"NX", "UF", "OF", "DZ", "NV"};
        for (int i = names.length - 1; i >= 0; i--) {
            if ((bits & (1 << i)) != 0) {
                s.append(s.length() == 0 ? "" : "|").append(names[i]);
            }
        }
        return s.toString();
    }
}
