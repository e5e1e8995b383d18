// Why a recorded session ended (DESIGN §2, END), with the stable one-byte code the trace stores for it.
package dev.lockstep.traceformat;

public enum EndReason {
    /** The guest powered off (sifive_test or tohost); the exit code is the guest's. */
    POWEROFF(1),
    /** The guest can never make progress again (e.g. every hart waits with interrupts off). */
    HALT(2),
    /** The user or the driver stopped the session (an instruction limit, ^C, a stop command). */
    STOP(3),
    /** The machine itself failed (an emulator error); the exit code is the driver's. */
    ERROR(4);

    private final int code;

    EndReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The reason with this code, or null when no reason has it. */
    static EndReason ofCode(int code) {
        for (EndReason r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }
}
