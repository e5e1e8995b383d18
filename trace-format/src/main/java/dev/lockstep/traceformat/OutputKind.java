// Where a guest's output went (DESIGN §2, OUTPUT), with the stable one-byte code the trace stores for it.
package dev.lockstep.traceformat;

public enum OutputKind {
    CONSOLE(0),
    NET(1),
    DISK(2);

    private final int code;

    OutputKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The kind with this code, or null when no kind has it. */
    static OutputKind ofCode(int code) {
        for (OutputKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }
}
