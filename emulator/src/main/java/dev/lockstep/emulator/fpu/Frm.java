package dev.lockstep.emulator.fpu;

/** Rounding modes, numbered as in the frm CSR and in an instruction's rm field. */
public final class Frm {
    /** Round to nearest, ties to even. */
    public static final int RNE = 0;
    /** Round towards zero. */
    public static final int RTZ = 1;
    /** Round down, towards -infinity. */
    public static final int RDN = 2;
    /** Round up, towards +infinity. */
    public static final int RUP = 3;
    /** Round to nearest, ties to max magnitude. */
    public static final int RMM = 4;
    /** The rm field value meaning "use frm". Never passed to this package: the hart resolves it. */
    public static final int DYN = 7;

    private Frm() {}

    /** Whether this package accepts {@code rm}; 5 and 6 are reserved and DYN must be resolved first. */
    public static boolean isValid(int rm) {
        return rm >= RNE && rm <= RMM;
    }
}
