// Replays a trace: rebuilds the machine from its header and delivers every entry at its instruction number.
package dev.lockstep.replayer;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.state.StateHash;
import dev.lockstep.traceformat.EntryCursor;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.Trace;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.function.LongConsumer;

/**
 * The replaying driver. The machine runs to exactly the next entry's instruction number, the entry is
 * delivered (input) or checked (STATE_HASH, OUTPUT, END), and so on. RTC reads are answered from WALL
 * entries, which must be next in the log and carry the current instruction number. Replay never reads a
 * host clock and never waits. The first mismatch throws {@link Divergence}.
 */
public final class Replayer implements AutoCloseable {
    /** How a replay run stopped. */
    public enum Stop { END, LIMIT, TRUNCATED, BREAKPOINT, WATCHPOINT }

    private final Trace trace;
    private final Machine machine;
    private EntryCursor cursor;
    private final ArrayDeque<LogEntry.Wall> walls = new ArrayDeque<>();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    /** NET and DISK output produced and not yet checked: kind, hash, length. */
    private final ArrayDeque<long[]> produced = new ArrayDeque<>();
    private OutputSink sink = OutputSink.DISCARD;
    private LogEntry pending;
    private Stop debugStop;
    private LogEntry.End end;
    private long hashesChecked, outputsChecked, entriesApplied;
    /** Instruction number of the last non-WALL entry applied, or -1: a resume point must come after it. */
    private long lastApplied = -1;
    private final long outputHashSeed = 0;

    private Replayer(Trace trace, Machine machine) {
        this.trace = trace;
        this.machine = machine;
        machine.setInput(this::wallClock);
        machine.setOutput(this::output);
        this.cursor = trace.entries();
    }

    /** Opens the trace in {@code dir} and builds its machine at instruction 0. */
    public static Replayer open(Path dir) {
        Trace trace = Trace.open(dir);
        try {
            MachineConfig config = MachineConfig.fromMap(trace.header().machineConfig());
            Machine m = new Machine(config, i -> {
                throw new IllegalStateException("no input port yet");
            }, OutputSink.DISCARD);
            Sessions.Devices.of(trace.header().machineConfig()).attachForReplay(m, trace::imageBytes);
            Sessions.spec(trace.header(), trace::imageBytes).bootInto(m);
            return new Replayer(trace, m);
        } catch (RuntimeException e) {
            trace.close();
            throw e;
        }
    }

    public Machine machine() { return machine; }
    public Trace trace() { return trace; }
    public long hashesChecked() { return hashesChecked; }
    public long outputsChecked() { return outputsChecked; }
    public long entriesApplied() { return entriesApplied; }
    public LogEntry.End end() { return end; }

    private boolean checking = true;
    private Divergence firstMismatch;

    /**
     * With checking off, a STATE_HASH or OUTPUT entry that disagrees with the replay is noted
     * ({@link #firstMismatch}) instead of thrown: trace diffs replay edited or foreign traces to see where
     * they go, and the debugger can still look past a bad hash.
     */
    public void setChecking(boolean on) { this.checking = on; }

    /** The first STATE_HASH or OUTPUT mismatch seen with checking off, or null. */
    public Divergence firstMismatch() { return firstMismatch; }

    private void mismatch(Divergence d) {
        if (checking) throw d;
        if (firstMismatch == null) firstMismatch = d;
    }

    /** Where replayed guest output goes (the console, for `lockstep replay`). */
    public void setSink(OutputSink sink) { this.sink = sink; }

    private long wallClock(long instret) {
        LogEntry.Wall w = walls.poll();
        if (w == null) {
            LogEntry next = peek();
            if (next instanceof LogEntry.Wall nw) {
                pending = null;
                w = nw;
            }
        }
        if (w == null || w.instret() != instret) {
            throw new Divergence(instret, w, "the guest read the RTC, but the recording's next RTC read is "
                    + (w == null ? "nowhere" : "at instruction " + String.format("%,d", w.instret())));
        }
        entriesApplied++;
        return w.value();
    }

    private void output(OutputKind kind, long instret, byte[] data, int off, int len) {
        sink.output(kind, instret, data, off, len);
        if (kind == OutputKind.CONSOLE) console.write(data, off, len);
        else produced.add(new long[] {kind.ordinal(), StateHash.hashBytes(data, off, len, outputHashSeed), len});
    }

    private LogEntry peek() {
        if (pending == null && cursor.hasNext()) pending = cursor.next();
        return pending;
    }

    /** The next entry that is not a WALL read (those are answered when the guest reads the RTC). */
    private LogEntry nextStop() {
        while (true) {
            LogEntry e = peek();
            if (!(e instanceof LogEntry.Wall w)) return e;
            walls.add(w);
            pending = null;
        }
    }

    /**
     * Replays until the trace's END, its last entry (a trace cut off by a crash), or instruction
     * {@code limit}, whichever comes first. {@code progress} hears the instruction number now and then.
     */
    public Stop run(long limit, LongConsumer progress) {
        debugStop = null;
        while (true) {
            LogEntry e = nextStop();
            long target = e == null ? -1 : e.instret();
            if (e == null || Long.compareUnsigned(target, limit) > 0) {
                if (e == null) {
                    runTo(Math.max(machine.instret(), walls.isEmpty() ? machine.instret() : walls.peekLast().instret()),
                            null, progress);
                    return debugStop != null ? debugStop : Stop.TRUNCATED;
                }
                runTo(limit, null, progress);
                return debugStop != null ? debugStop : Stop.LIMIT;
            }
            runTo(target, e, progress);
            if (debugStop != null) return debugStop;
            pending = null;
            entriesApplied++;
            lastApplied = e.instret();
            if (apply(e)) return Stop.END;
        }
    }

    /** Receives the machine at quiet points between entries, where a snapshot can later resume replay. */
    public interface SnapshotHook {
        void at(Replayer r);
    }

    private SnapshotHook snapshotHook;
    private long snapshotInterval = 50_000_000L;

    /** Calls {@code hook} every {@code interval} instructions at points strictly between entries. */
    public void setSnapshotHook(long interval, SnapshotHook hook) {
        this.snapshotInterval = interval;
        this.snapshotHook = hook;
    }

    /** A point replay can resume from: the machine state and the console bytes not yet covered by an OUTPUT entry. */
    public record Resume(Machine.Snapshot snapshot, byte[] console) {
        public long instret() { return snapshot.instret(); }
    }

    /**
     * Whether {@link #capture} may be called now: no entry stamped with the current instruction number has
     * been applied yet, so resuming here re-reads exactly the entries still to come.
     */
    public boolean quiet() { return lastApplied < machine.instret() && !machine.halted(); }

    /** Captures a resume point; valid only from a {@link SnapshotHook}, after {@link #restore}, or when {@link #quiet}. */
    public Resume capture() { return new Resume(machine.snapshot(), console.toByteArray()); }

    /** Puts the machine and the entry cursor back at {@code r}. */
    public void restore(Resume r) {
        machine.restore(r.snapshot());
        reposition(r.instret());
        console.write(r.console(), 0, r.console().length);
    }

    /** Restores the trace's on-disk checkpoint {@code info}, resuming right after its CHECKPOINT entry. */
    public void restoreCheckpoint(dev.lockstep.traceformat.CheckpointInfo info) {
        dev.lockstep.traceformat.Checkpoint c = trace.checkpoints().readCheckpoint(info.id());
        byte[][] pages = new byte[c.pageCount()][];
        // All-zero pages share one array, so resume points taken after this restore hold only written RAM.
        for (int p = 0; p < pages.length; p++) {
            byte[] page = c.page(p);
            pages[p] = java.util.Arrays.equals(page, zeroPage(page.length)) ? zeroPage(page.length) : page;
        }
        machine.restore(new Machine.Snapshot(c.instret(), c.machineState(), pages));
        reposition(c.instret());
        lastApplied = c.instret();
        while (true) {
            LogEntry e = peek();
            if (e == null) break;
            pending = null;
            if (e instanceof LogEntry.Checkpoint k && k.checkpointId() == info.id()) break;
        }
    }

    private static byte[] zero = new byte[0];

    private static byte[] zeroPage(int size) {
        if (zero.length != size) zero = new byte[size];
        return zero;
    }

    private void reposition(long instret) {
        cursor.close();
        cursor = trace.firstEntryAtOrAfter(instret);
        pending = null;
        walls.clear();
        console.reset();
        produced.clear();
        end = null;
        lastApplied = -1;
    }

    private void runTo(long target, LogEntry next, LongConsumer progress) {
        while (machine.instret() < target) {
            long chunk = snapshotHook != null ? snapshotInterval - Math.floorMod(machine.instret(), snapshotInterval) : 50_000_000L;
            long step = Math.min(target, machine.instret() + chunk);
            Machine.Status s = machine.run(step);
            if (progress != null) progress.accept(machine.instret());
            switch (s) {
                case LIMIT, STOPPED -> {
                    if (snapshotHook != null && machine.instret() < target && s == Machine.Status.LIMIT) snapshotHook.at(this);
                }
                case HALTED -> {
                    if (next instanceof LogEntry.End || machine.instret() == target) return;
                    throw new Divergence(machine.instret(), next, "the guest stopped (" + machine.haltReason()
                            + ") but the recording goes on to instruction " + String.format("%,d", target));
                }
                case IDLE -> throw new Divergence(machine.instret(), next, "the guest waits for an interrupt, but the "
                        + "recording has no input before instruction " + String.format("%,d", target));
                case STUCK -> {
                    if (next instanceof LogEntry.End) return;
                    throw new Divergence(machine.instret(), next, "the guest is stuck (every trap traps again) but the "
                            + "recording goes on to instruction " + String.format("%,d", target));
                }
                case BREAKPOINT -> {
                    debugStop = Stop.BREAKPOINT;
                    return;
                }
                case WATCHPOINT -> {
                    debugStop = Stop.WATCHPOINT;
                    return;
                }
            }
        }
    }

    /** Delivers or checks one entry at the current boundary. Returns true at END. */
    private boolean apply(LogEntry e) {
        long now = machine.instret();
        if (e instanceof LogEntry.ConsoleIn c) {
            machine.deliver(new InputEvent.ConsoleInput(c.bytes()));
        } else if (e instanceof LogEntry.Clock c) {
            machine.deliver(new InputEvent.Clock(c.newTimeBase()));
        } else if (e instanceof LogEntry.NetRx n) {
            machine.deliver(new InputEvent.NetRx(n.frame()));
        } else if (e instanceof LogEntry.DiskDone d) {
            machine.deliver(new InputEvent.DiskDone(d.requestId(), d.status(), d.data().length == 0 ? null : d.data()));
        } else if (e instanceof LogEntry.Rng r) {
            machine.deliver(new InputEvent.Rng(r.bytes()));
        } else if (e instanceof LogEntry.StateHash h) {
            long actual = machine.stateHash();
            hashesChecked++;
            if (actual != h.hash()) {
                mismatch(new Divergence(now, e, String.format("machine state hash is %016x, the recording's is %016x",
                        actual, h.hash())));
            }
        } else if (e instanceof LogEntry.Output o) {
            if (o.kind() == dev.lockstep.traceformat.OutputKind.CONSOLE) {
                byte[] got = console.toByteArray();
                console.reset();
                outputsChecked++;
                long hash = StateHash.hashBytes(got, 0, got.length, outputHashSeed);
                if (got.length != o.length() || hash != o.hash()) {
                    mismatch(new Divergence(now, e, "the guest printed " + got.length + " console bytes ("
                            + preview(got) + ") where the recording has " + o.length()
                            + (o.bytes() != null ? " (" + preview(o.bytes()) + ")" : "")));
                }
            } else {
                long[] p = produced.poll();
                outputsChecked++;
                if (p == null || p[0] != OutputKind.valueOf(o.kind().name()).ordinal() || p[1] != o.hash() || p[2] != o.length()) {
                    throw new Divergence(now, e, p == null ? "the recording has " + o.kind() + " output of " + o.length()
                            + " bytes here, and the guest produced none" : "the guest's " + OutputKind.values()[(int) p[0]]
                            + " output (" + p[2] + " bytes) differs from the recording's " + o.kind() + " output ("
                            + o.length() + " bytes)");
                }
            }
        } else if (e instanceof LogEntry.End en) {
            end = en;
            if (en.reason() == dev.lockstep.traceformat.EndReason.POWEROFF
                    && (!machine.halted() || machine.exitCode() != en.exitCode())) {
                mismatch(new Divergence(now, e, machine.halted() ? "the guest exited with " + machine.exitCode()
                        : "the guest is still running where the recording powered off"));
            }
            return true;
        } else if (!(e instanceof LogEntry.Checkpoint) && !(e instanceof LogEntry.Heartbeat)) {
            throw new Divergence(now, e, "this lockstep cannot replay " + e.type() + " entries yet");
        }
        return false;
    }

    private static String preview(byte[] b) {
        String s = new String(b, 0, Math.min(b.length, 40), java.nio.charset.StandardCharsets.UTF_8)
                .replace("\r", "\\r").replace("\n", "\\n");
        return "\"" + s + (b.length > 40 ? "..." : "") + "\"";
    }

    @Override
    public void close() {
        cursor.close();
        trace.close();
    }
}
