// Plays log entries into a machine: answers RTC reads, delivers input, checks hashes, output and the end.
package dev.lockstep.replayer;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.state.StateHash;
import dev.lockstep.traceformat.EndReason;
import dev.lockstep.traceformat.LogEntry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What every driver that follows a log does at an entry, in one place: the replayer reading a trace and
 * the FT backup reading the logging channel. It is the machine's input port (WALL entries answer RTC
 * reads) and output sink (output is kept until an OUTPUT entry checks it), delivers input entries and
 * checks STATE_HASH, OUTPUT and END entries. The driver decides when to run the machine to an entry.
 */
public final class LogPlayer {
    /** The output hash the recorder stores in OUTPUT entries. */
    public static long outputHash(byte[] data, int off, int len) { return StateHash.hashBytes(data, off, len, 0); }

    /** The machine's ordinal of each trace output kind (checked for every frame and disk write). */
    private static final int[] MACHINE_KINDS = java.util.Arrays.stream(dev.lockstep.traceformat.OutputKind.values())
            .mapToInt(k -> OutputKind.valueOf(k.name()).ordinal()).toArray();

    private final Machine machine;
    private final String source;
    private final Supplier<LogEntry.Wall> moreWalls;
    private final ArrayDeque<LogEntry.Wall> walls = new ArrayDeque<>();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    /** NET and DISK output produced and not yet checked: kind, hash, length. */
    private final ArrayDeque<long[]> produced = new ArrayDeque<>();
    private OutputSink sink = OutputSink.DISCARD;
    private Consumer<Divergence> mismatch = d -> {
        throw d;
    };
    private long hashesChecked, outputsChecked, wallsAnswered;

    /**
     * @param source    whose log this is, for messages ("the recording", "the primary")
     * @param moreWalls a WALL entry not queued yet that may answer an RTC read, or null
     */
    public LogPlayer(Machine machine, String source, Supplier<LogEntry.Wall> moreWalls) {
        this.machine = machine;
        this.source = source;
        this.moreWalls = moreWalls;
        machine.setInput(this::wallClock);
        machine.setOutput(this::output);
    }

    /** Where the machine's output goes as well (the console, for `lockstep replay`). */
    public void setSink(OutputSink sink) { this.sink = sink; }

    /** How a STATE_HASH, console OUTPUT or END mismatch is handled; by default it is thrown. */
    public void onMismatch(Consumer<Divergence> handler) { this.mismatch = handler; }

    /** A WALL entry, queued for the RTC read it answers. */
    public void queueWall(LogEntry.Wall w) { walls.add(w); }

    /** The instruction of the last queued WALL entry, or -1. */
    public long lastQueuedWall() { return walls.isEmpty() ? -1 : walls.peekLast().instret(); }

    public long hashesChecked() { return hashesChecked; }
    public long outputsChecked() { return outputsChecked; }
    public long wallsAnswered() { return wallsAnswered; }

    /** Console bytes produced since the last console OUTPUT entry (a resume point keeps them). */
    public byte[] pendingConsole() { return console.toByteArray(); }

    /** Forgets queued reads and unchecked output, then takes {@code console} as the console bytes pending. */
    public void reset(byte[] console) {
        walls.clear();
        produced.clear();
        this.console.reset();
        this.console.write(console, 0, console.length);
    }

    private long wallClock(long instret) {
        LogEntry.Wall w = walls.poll();
        if (w == null && moreWalls != null) w = moreWalls.get();
        if (w == null || w.instret() != instret) {
            throw new Divergence(instret, w, "the guest read the RTC, but " + source + "'s next RTC read is "
                    + (w == null ? "nowhere" : "at instruction " + String.format("%,d", w.instret())));
        }
        wallsAnswered++;
        return w.value();
    }

    private void output(OutputKind kind, long instret, byte[] data, int off, int len) {
        sink.output(kind, instret, data, off, len);
        if (kind == OutputKind.CONSOLE) console.write(data, off, len);
        else produced.add(new long[] {kind.ordinal(), outputHash(data, off, len), len});
    }

    /**
     * Delivers or checks entry {@code e} at the machine's current instruction. Returns true at END.
     * WALL entries go through {@link #queueWall}; CHECKPOINT and HEARTBEAT need nothing here.
     */
    public boolean apply(LogEntry e) {
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
                mismatch.accept(new Divergence(now, e, String.format("machine state hash is %016x, %s's is %016x",
                        actual, source, h.hash())));
            }
        } else if (e instanceof LogEntry.Output o) {
            checkOutput(now, o);
        } else if (e instanceof LogEntry.End en) {
            if (en.reason() == EndReason.POWEROFF && (!machine.halted() || machine.exitCode() != en.exitCode())) {
                mismatch.accept(new Divergence(now, e, machine.halted() ? "the guest exited with " + machine.exitCode()
                        : "the guest is still running where " + source + " powered off"));
            }
            return true;
        } else if (!(e instanceof LogEntry.Checkpoint) && !(e instanceof LogEntry.Heartbeat)) {
            throw new Divergence(now, e, "this lockstep cannot replay " + e.type() + " entries yet");
        }
        return false;
    }

    private void checkOutput(long now, LogEntry.Output o) {
        outputsChecked++;
        if (o.kind() == dev.lockstep.traceformat.OutputKind.CONSOLE) {
            byte[] got = console.toByteArray();
            console.reset();
            if (got.length != o.length() || outputHash(got, 0, got.length) != o.hash()) {
                mismatch.accept(new Divergence(now, o, "the guest printed " + got.length + " console bytes ("
                        + preview(got) + ") where " + source + " has " + o.length()
                        + (o.bytes() != null ? " (" + preview(o.bytes()) + ")" : "")));
            }
            return;
        }
        long[] p = produced.poll();
        if (p == null || p[0] != MACHINE_KINDS[o.kind().ordinal()] || p[1] != o.hash() || p[2] != o.length()) {
            throw new Divergence(now, o, p == null ? source + " has " + o.kind() + " output of " + o.length()
                    + " bytes here, and the guest produced none" : "the guest's " + OutputKind.values()[(int) p[0]]
                    + " output (" + p[2] + " bytes) differs from " + source + "'s " + o.kind() + " output ("
                    + o.length() + " bytes)");
        }
    }

    private static String preview(byte[] b) {
        String s = new String(b, 0, Math.min(b.length, 40), StandardCharsets.UTF_8).replace("\r", "\\r").replace("\n", "\\n");
        return "\"" + s + (b.length > 40 ? "..." : "") + "\"";
    }
}
