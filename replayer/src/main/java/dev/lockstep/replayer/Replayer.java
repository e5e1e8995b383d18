// Replays a trace: rebuilds the machine from its header and delivers every entry at its instruction number.
package dev.lockstep.replayer;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.traceformat.EntryCursor;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.Trace;
import java.nio.file.Path;
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
    private final LogPlayer player;
    private LogEntry pending;
    private Stop debugStop;
    private LogEntry.End end;
    private long entriesApplied;
    /** Instruction number of the last non-WALL entry applied, or -1: a resume point must come after it. */
    private long lastApplied = -1;

    private Replayer(Trace trace, Machine machine) {
        this.trace = trace;
        this.machine = machine;
        this.player = new LogPlayer(machine, "the recording", this::wallFromCursor);
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
            Replayer r = new Replayer(trace, m);
            r.startWhereTheTraceStarts();
            return r;
        } catch (RuntimeException e) {
            trace.close();
            throw e;
        }
    }

    /**
     * A trace that begins mid-session (the trace of a backup that joined a running primary) begins with
     * the CHECKPOINT of the state it was given: replay starts there, since the entries before it were
     * never in this trace.
     */
    private void startWhereTheTraceStarts() {
        if (!(peek() instanceof LogEntry.Checkpoint k) || k.instret() == 0) return;
        for (dev.lockstep.traceformat.CheckpointInfo c : trace.checkpoints().list()) {
            if (c.id() == k.checkpointId()) {
                restoreCheckpoint(c);
                start = c.instret();
                return;
            }
        }
        throw new dev.lockstep.emulator.LockstepException("the trace starts with checkpoint " + k.checkpointId()
                + " at instruction " + k.instret() + ", which its checkpoint store does not hold");
    }

    /** The first instruction number of the recording: 0, or where a joined backup's trace begins. */
    public long start() { return start; }

    private long start;

    public Machine machine() { return machine; }
    public Trace trace() { return trace; }
    public long hashesChecked() { return player.hashesChecked(); }
    public long outputsChecked() { return player.outputsChecked(); }
    public long entriesApplied() { return entriesApplied + player.wallsAnswered(); }
    public LogEntry.End end() { return end; }

    private Divergence firstMismatch;

    /**
     * With checking off, a STATE_HASH or OUTPUT entry that disagrees with the replay is noted
     * ({@link #firstMismatch}) instead of thrown: trace diffs replay edited or foreign traces to see where
     * they go, and the debugger can still look past a bad hash.
     */
    public void setChecking(boolean on) {
        player.onMismatch(on ? d -> {
            throw d;
        } : d -> {
            if (firstMismatch == null) firstMismatch = d;
        });
    }

    /** The first STATE_HASH or OUTPUT mismatch seen with checking off, or null. */
    public Divergence firstMismatch() { return firstMismatch; }

    /** Where replayed guest output goes (the console, for `lockstep replay`). */
    public void setSink(OutputSink sink) { player.setSink(sink); }

    /** A WALL entry next in the trace but not queued yet (the RTC read comes before the next stop). */
    private LogEntry.Wall wallFromCursor() {
        if (peek() instanceof LogEntry.Wall w) {
            pending = null;
            return w;
        }
        return null;
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
            player.queueWall(w);
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
                    runTo(Math.max(machine.instret(), player.lastQueuedWall()),
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
    public Resume capture() { return new Resume(machine.snapshot(), player.pendingConsole()); }

    /** Puts the machine and the entry cursor back at {@code r}. */
    public void restore(Resume r) {
        machine.restore(r.snapshot());
        reposition(r.instret());
        player.reset(r.console());
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
        player.reset(new byte[0]);
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
        if (e instanceof LogEntry.Wall) throw new IllegalStateException("WALL entries are answered by the input port");
        if (e instanceof LogEntry.End en) end = en;
        return player.apply(e);
    }

    @Override
    public void close() {
        cursor.close();
        trace.close();
    }
}
