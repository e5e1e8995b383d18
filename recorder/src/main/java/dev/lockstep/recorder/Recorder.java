// Records a live session: stamps every input with its instruction number and appends it to a trace.
package dev.lockstep.recorder;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.memory.Bus;
import dev.lockstep.emulator.run.LiveRunner;
import dev.lockstep.replayer.LogPlayer;
import dev.lockstep.traceformat.EndReason;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.TraceWriter;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The recording driver. It wraps the machine's two seams: the {@link InputPort} (each RTC read becomes a
 * WALL entry) and the {@link OutputSink} (output becomes OUTPUT entries, with the bytes for console
 * output), and, as {@link LiveRunner.Hooks}, logs every delivered input event. Between quanta it adds
 * STATE_HASH and CHECKPOINT entries at the configured spacing and flushes the trace, so a killed
 * recorder loses at most one flush interval.
 */
public final class Recorder implements LiveRunner.Hooks, AutoCloseable {
    /** Spacing of verification and checkpoint entries, in instructions, and the flush interval in ms. */
    public record Options(long hashInterval, long checkpointInterval, long flushMillis) {
        public static final Options DEFAULT = new Options(100_000_000L, 2_000_000_000L, 200);
    }

    /** Where entries go: a trace, or (for the FT primary) a trace and the logging channel. */
    public interface EntryLog {
        void append(LogEntry e);

        /** Makes the entries appended so far durable (or sent). */
        void flush();
    }

    private final Machine machine;
    private final EntryLog writer;
    private final dev.lockstep.traceformat.CheckpointStore checkpoints;
    private TraceWriter owned;
    private final Options options;
    private final OutputSink downstream;
    /** The trace's name for each machine output kind (Enum.valueOf per frame showed in profiles of the FT primary). */
    private static final dev.lockstep.traceformat.OutputKind[] TRACE_KINDS = java.util.Arrays.stream(OutputKind.values())
            .map(k -> dev.lockstep.traceformat.OutputKind.valueOf(k.name())).toArray(dev.lockstep.traceformat.OutputKind[]::new);
    private final InputPort host;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final List<LogEntry> pendingOutput = new ArrayList<>();
    private long consoleInstret = -1;
    private long nextHash, nextCheckpoint;
    private long lastFlushNanos = System.nanoTime();
    private boolean ended;

    public Recorder(Machine machine, TraceWriter writer, Options options) {
        this(machine, new EntryLog() {
            @Override
            public void append(LogEntry e) { writer.append(e); }

            @Override
            public void flush() { writer.flush(); }
        }, writer.checkpoints(), options);
        this.owned = writer;
    }

    /** Records to {@code log}; with no {@code checkpoints} store, CHECKPOINT entries are not written. */
    public Recorder(Machine machine, EntryLog log, dev.lockstep.traceformat.CheckpointStore checkpoints, Options options) {
        this.machine = machine;
        this.writer = log;
        this.checkpoints = checkpoints;
        this.options = options;
        this.downstream = machine.output();
        this.host = machine.input();
        this.nextHash = machine.instret() + options.hashInterval;
        this.nextCheckpoint = machine.instret() + options.checkpointInterval;
        machine.setInput(this::wallClock);
        machine.setOutput(this::output);
    }

    private long wallClock(long instret) {
        long v = host.wallClockNanos(instret);
        flushConsole();
        writer.append(new LogEntry.Wall(instret, v));
        return v;
    }

    /**
     * Output goes downstream, then its OUTPUT entry is logged: for a frame or a disk write at once, for
     * console bytes as the next entry logged (pending console bytes are logged before any other entry). So
     * the FT primary's output gate knows the entry that covers an output when it sees it: the next one.
     */
    private void output(OutputKind kind, long instret, byte[] data, int off, int len) {
        if (kind == OutputKind.CONSOLE) {
            downstream.output(kind, instret, data, off, len);
            console.write(data, off, len);
            consoleInstret = instret;
            return;
        }
        flushConsole();
        downstream.output(kind, instret, data, off, len);
        writer.append(new LogEntry.Output(instret + 1, TRACE_KINDS[kind.ordinal()],
                LogPlayer.outputHash(data, off, len), len, null));
    }

    /**
     * Logs the console bytes not yet covered by an OUTPUT entry, so that an entry stamped with the current
     * instruction number may follow (the FT primary's heartbeats, a state transfer).
     */
    public void flushOutput() {
        flushConsole();
    }

    /**
     * Console output is coalesced: one OUTPUT entry for the bytes produced since the previous one, stamped
     * with the boundary after the last byte, where a replay has produced exactly the same bytes.
     */
    private void flushConsole() {
        if (console.size() == 0) return;
        byte[] bytes = console.toByteArray();
        console.reset();
        writer.append(new LogEntry.Output(consoleInstret + 1, dev.lockstep.traceformat.OutputKind.CONSOLE,
                LogPlayer.outputHash(bytes, 0, bytes.length), bytes.length, bytes));
    }

    @Override
    public void beforeDeliver(InputEvent event, long instret) {
        flushConsole();
        writer.append(toEntry(event, instret));
    }

    /** The log entry of an input event delivered at {@code instret}; a DiskDone without data (private disk) logs none. */
    public static LogEntry toEntry(InputEvent e, long instret) {
        if (e instanceof InputEvent.ConsoleInput c) return new LogEntry.ConsoleIn(instret, c.bytes());
        if (e instanceof InputEvent.Clock c) return new LogEntry.Clock(instret, c.ticks());
        if (e instanceof InputEvent.NetRx n) return new LogEntry.NetRx(instret, n.frame());
        if (e instanceof InputEvent.DiskDone d) {
            return new LogEntry.DiskDone(instret, d.requestId(), d.status(), d.data() != null ? d.data() : new byte[0]);
        }
        if (e instanceof InputEvent.Rng r) return new LogEntry.Rng(instret, r.bytes());
        throw new IllegalArgumentException("no log entry for " + e);
    }

    @Override
    public void afterQuantum(Machine m) {
        // Console output becomes an OUTPUT entry every quantum: the entries then depend on the run alone,
        // not on host timing, and each line is found near the instruction that printed it.
        flushConsole();
        long now = m.instret();
        if (now >= nextHash) {
            flushConsole();
            writer.append(new LogEntry.StateHash(now, m.stateHash()));
            nextHash = now + options.hashInterval;
        }
        if (now >= nextCheckpoint) {
            checkpoint();
            nextCheckpoint = now + options.checkpointInterval;
        }
        long t = System.nanoTime();
        if (t - lastFlushNanos > options.flushMillis * 1_000_000L) {
            flushConsole();
            writer.flush();
            lastFlushNanos = t;
        }
    }

    private Machine.Snapshot lastCheckpoint;

    /** Writes a CHECKPOINT: a full one first, then deltas of the pages changed since the previous one. */
    public void checkpoint() {
        if (checkpoints == null) return;
        flushConsole();
        Machine.Snapshot s = machine.snapshot();
        boolean full = lastCheckpoint == null;
        int[] changed = changedPages(lastCheckpoint, s);
        long id = checkpoints.writeCheckpoint(s.instret(), s.core(), Bus.PAGE_SIZE,
                machine.config().ramSize(), s::page, changed, full);
        writer.append(new LogEntry.Checkpoint(s.instret(), id));
        lastCheckpoint = s;
    }

    /** Snapshots share unchanged pages with the previous one, so identity tells what changed. */
    private static int[] changedPages(Machine.Snapshot prev, Machine.Snapshot s) {
        if (prev == null) return new int[0];
        int n = 0;
        int[] out = new int[s.pages().length];
        for (int p = 0; p < s.pages().length; p++) if (prev.pages()[p] != s.pages()[p]) out[n++] = p;
        return java.util.Arrays.copyOf(out, n);
    }

    /** Logs the end of the session and makes the trace durable. */
    public void end(LiveRunner.End how) {
        if (ended) return;
        ended = true;
        flushConsole();
        long now = machine.instret();
        writer.append(new LogEntry.StateHash(now, machine.stateHash()));
        EndReason reason = switch (how) {
            case HALTED -> EndReason.POWEROFF;
            case IDLE_FOREVER, STUCK -> EndReason.HALT;
            case QUIT, MAX_INSTRUCTIONS -> EndReason.STOP;
        };
        writer.append(new LogEntry.End(now, reason, machine.halted() ? machine.exitCode() : 0));
        writer.flush();
    }

    @Override
    public void close() {
        if (owned != null) owned.close();
    }
}
