// The hart's debug trigger module (Sdtrig): two address triggers the guest programs through tselect and tdata.
package dev.lockstep.emulator.cpu;

import dev.lockstep.emulator.state.SnapshotException;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;

/**
 * Native triggers of the RISC-V Debug Specification (Sdtrig 1.0), as a guest without a debugger uses them:
 * {@value #COUNT} triggers of type 2 (mcontrol) that raise a breakpoint exception before an instruction at an
 * address executes, or before a load or store touches it. Only what such a guest needs is writable; every
 * other field is WARL and reads back as kept (dmode, hit, select, timing, size, chain, action and match all
 * 0), which is how software finds out that what it asked for is not supported. An execute trigger matches
 * the address of an instruction's first byte; a load or store trigger, any byte the access touches.
 *
 * <p>Re-entry into a trap handler: in M-mode a trigger fires only while tcontrol.mte is 1 (mte goes to mpte
 * on a trap into M-mode and comes back on mret). lockstep keeps medeleg[3] writable, because OpenSBI delegates
 * breakpoints to S-mode; so, as the spec's other solution has it, while breakpoints are delegated a trigger
 * does not fire in S-mode with sstatus.SIE clear.
 *
 * <p>A disabled trigger's tdata1 is kept as 0 (it reads as type 15, "disabled"), so a hart whose triggers
 * were never written has all-zero trigger state, which {@link #atReset} tells apart: snapshots and state
 * hashes of such a machine are byte for byte what they were before triggers existed.
 */
final class Triggers {
    static final int COUNT = 2;
    static final int TSELECT = 0x7a0, TDATA1 = 0x7a1, TDATA2 = 0x7a2, TDATA3 = 0x7a3, TINFO = 0x7a4, TCONTROL = 0x7a5;
    private static final long TYPE_MCONTROL = 2, TYPE_DISABLED = 15;
    static final long M = 1 << 6, S = 1 << 4, U = 1 << 3, EXECUTE = 1 << 2, STORE = 1 << 1, LOAD = 1;
    private static final long MODES = M | S | U, ACCESSES = EXECUTE | STORE | LOAD;
    /** Types mcontrol and disabled; version 1 (ratified Sdtrig 1.0). */
    private static final long TINFO_VALUE = (1L << 24) | (1L << TYPE_DISABLED) | (1L << TYPE_MCONTROL);
    static final long TCONTROL_MTE = 1 << 3, TCONTROL_MPTE = 1 << 7;

    private final Hart hart;
    private int select;
    /** tdata1 of each trigger as kept: 0 when disabled, otherwise an mcontrol value. */
    private final long[] control = new long[COUNT];
    /** tdata2: the address each trigger compares with. */
    private final long[] address = new long[COUNT];
    private long tcontrol;
    /** Whether some trigger is enabled on execution, or on loads or stores (in some mode). */
    private boolean onExecute, onData;

    Triggers(Hart hart) { this.hart = hart; }

    boolean onExecute() { return onExecute; }

    boolean onData() { return onData; }

    static boolean isTriggerCsr(int num) { return num >= TSELECT && num <= TCONTROL; }

    long read(int num) {
        return switch (num) {
            case TSELECT -> select;
            case TDATA1 -> control[select] == 0 ? TYPE_DISABLED << 60 : control[select];
            case TDATA2 -> address[select];
            case TINFO -> TINFO_VALUE;
            case TCONTROL -> tcontrol;
            default -> 0; // tdata3: no textra conditions
        };
    }

    void write(int num, long v) {
        switch (num) {
            case TSELECT -> {
                if (Long.compareUnsigned(v, COUNT) < 0) select = (int) v; // otherwise the selection stays valid
            }
            case TDATA1 -> control[select] = legal(v);
            case TDATA2 -> address[select] = v;
            case TCONTROL -> tcontrol = v & (TCONTROL_MTE | TCONTROL_MPTE);
            default -> { } // tdata3 and tinfo keep what they read
        }
        changed();
    }

    /** The tdata1 value kept for a write of {@code v}: mcontrol with its mode and access bits, or disabled. */
    private static long legal(long v) {
        if ((v >>> 60) != TYPE_MCONTROL) return 0; // no other type is supported: the trigger is disabled
        return (TYPE_MCONTROL << 60) | (v & (MODES | ACCESSES));
    }

    private static boolean enabled(long control, long access) {
        return (control & MODES) != 0 && (control & access) != 0;
    }

    private void changed() {
        boolean exec = false, data = false;
        for (long c : control) {
            exec |= enabled(c, EXECUTE);
            data |= enabled(c, LOAD | STORE);
        }
        onExecute = exec;
        onData = data;
        hart.triggersChanged();
    }

    /** Whether a trigger with {@code control} may fire now: its mode bit, and no re-entry into a handler. */
    private boolean fireable(long control) {
        int priv = hart.priv;
        if ((control >>> 3 & (1L << priv)) == 0) return false; // U is bit 3, S bit 4, M bit 6
        Csrs c = hart.csr;
        if (priv == Priv.M) return (tcontrol & TCONTROL_MTE) != 0;
        if (priv == Priv.S && (c.medeleg >>> Trap.BREAKPOINT & 1) != 0) return (c.mstatus & Csrs.MSTATUS_SIE) != 0;
        return true;
    }

    /** Whether an execute trigger fires before the instruction at {@code pc}. */
    boolean firesOnExecute(long pc) {
        for (int i = 0; i < COUNT; i++) {
            long c = control[i];
            if (address[i] == pc && enabled(c, EXECUTE) && fireable(c)) return true;
        }
        return false;
    }

    /**
     * How many instructions of {@code b}, entered at {@code pc}, run before one at an execute trigger's
     * address (the whole block if none is in it): the run stops there, and the next block starts with it.
     */
    int runBefore(Block b, long pc) {
        int n = b.insns.length;
        for (int i = 0; i < COUNT; i++) {
            if (!enabled(control[i], EXECUTE)) continue;
            long off = address[i] - pc;
            if (off <= 0 || off > b.insns[n - 1].off) continue;
            for (int k = 1; k < n; k++) {
                if (b.insns[k].off == off) {
                    n = k;
                    break;
                }
            }
        }
        return n;
    }

    /**
     * Raises the breakpoint exception of a load or store trigger on [va, va+size), before the access: its
     * tval is the matching address, which the access touches.
     */
    void checkAccess(long va, int size, long access) {
        for (int i = 0; i < COUNT; i++) {
            long c = control[i];
            if (Long.compareUnsigned(address[i] - va, size) < 0 && enabled(c, access) && fireable(c)) {
                throw hart.raise(Trap.BREAKPOINT, address[i]);
            }
        }
    }

    /** A trap into M-mode: mpte takes mte, and M-mode triggers are off in the handler. */
    void trapToM() { tcontrol = (tcontrol & TCONTROL_MTE) != 0 ? TCONTROL_MPTE : 0; }

    /** mret: mte comes back from mpte. */
    void mret() { tcontrol = (tcontrol & TCONTROL_MPTE) != 0 ? TCONTROL_MPTE | TCONTROL_MTE : 0; }

    /** Whether every trigger register holds its reset value (then the state has no trigger section). */
    boolean atReset() {
        if (select != 0 || tcontrol != 0) return false;
        for (int i = 0; i < COUNT; i++) {
            if (control[i] != 0 || address[i] != 0) return false;
        }
        return true;
    }

    void reset() {
        select = 0;
        java.util.Arrays.fill(control, 0);
        java.util.Arrays.fill(address, 0);
        tcontrol = 0;
        changed();
    }

    void save(StateWriter w) {
        w.i32(select).longs(control).longs(address).i64(tcontrol);
    }

    void restore(StateReader r) {
        int s = r.i32();
        if (s < 0 || s >= COUNT) throw new SnapshotException("snapshot selects trigger " + s + " of " + COUNT);
        select = s;
        r.longs(control);
        r.longs(address);
        tcontrol = r.i64();
        for (long c : control) {
            if (legal(c) != c) throw new SnapshotException(String.format("snapshot has trigger tdata1 0x%x, which no trigger here holds", c));
        }
        if ((tcontrol & ~(TCONTROL_MTE | TCONTROL_MPTE)) != 0) throw new SnapshotException("snapshot has a malformed tcontrol");
        changed();
    }
}
