// Privilege modes and the access kinds the MMU and PMP distinguish.
package dev.lockstep.emulator.cpu;

/** Privilege levels as encoded in mstatus.MPP, and memory access kinds. */
public final class Priv {
    private Priv() {}

    public static final int U = 0, S = 1, M = 3;
    public static final int FETCH = 0, LOAD = 1, STORE = 2;

    public static String name(int priv) {
        return switch (priv) {
            case U -> "U";
            case S -> "S";
            case M -> "M";
            default -> "?";
        };
    }
}
