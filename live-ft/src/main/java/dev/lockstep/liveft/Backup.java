// The FT backup: persists the primary's log to its own trace, acks it, replays it in step, checks output, and goes live.
package dev.lockstep.liveft;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.memory.Bus;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.virtio.BlockBackend;
import dev.lockstep.emulator.virtio.VirtioBlk;
import dev.lockstep.replayer.Divergence;
import dev.lockstep.replayer.LogPlayer;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.traceformat.EntryDecoder;
import dev.lockstep.traceformat.GuestImage;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.TraceHeader;
import dev.lockstep.traceformat.TraceWriter;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One thread (the caller's) receives, acknowledges and replays: handing entries from a receiving thread to a
 * replaying one cost futex calls and a context switch per batch, dear on a small machine. It acknowledges
 * each batch from the channel by its last sequence number as it arrives, appends its entries to the
 * backup's trace (flushed whenever it has caught up, so that the path to the next ack stays short), and
 * runs the machine to each one's instruction number, never further: a HEARTBEAT is how far it may go. A
 * long stretch is run in slices, with a look at the channel between them, so that batches arriving
 * meanwhile are acknowledged within a slice. A keep-alive thread acknowledges every heartbeat interval.
 * Output is suppressed; its hash is checked against the primary's OUTPUT entries, and the first mismatch
 * is reported at once and ends this backup.
 *
 * <p>The backup acknowledges the pairing as soon as it holds the primary's header and state: the machine
 * and the trace are built on another thread meanwhile (a second or more in a fresh JVM), while this one
 * receives and acknowledges the batches that arrive, so a --join stalls the service only for the state's
 * transfer.
 *
 * <p>When the channel goes silent or breaks, the backup replays what was received, asks the arbiter
 * for the pair's key, and on winning returns {@link Result.Live}: the machine, exactly at the end of the
 * log, and the trace, ready to go on recording as the new primary.
 */
public final class Backup {
    /** How a backup's watch ended. */
    public sealed interface Result {
        /** The guest ended on the primary and here. */
        record GuestEnded(LogEntry.End end, long instret) implements Result {}

        /**
         * The primary failed and this backup won the arbiter: go live with this machine and trace, after
         * writing {@code unapplied} to the shared disk, in order, and flushing it: writes the guest saw
         * complete that the disk may lack, not being durable on it yet (see {@link Primary#outputRuled}).
         */
        record Live(Machine machine, TraceWriter trace, TraceHeader header, String consoleAddress, String pairKey,
                    java.util.List<Write> unapplied) implements Result {}

        /** This backup stops: it diverged, or the primary holds the arbiter. */
        record Stopped(String why) implements Result {}
    }

    /** A guest disk write, replayed here: {@code data} at byte {@code offset}. */
    public record Write(long offset, byte[] data) {}

    private final Channel channel;
    private final Path traceDir;
    private final Arbiter arbiter;
    private final FtOptions options;
    private final String me;
    private final Consumer<String> log;
    /** Received and acknowledged, not yet replayed. */
    private final ArrayDeque<LogEntry> pending = new ArrayDeque<>();
    private EntryDecoder decoder;
    /** Batches received since the last ack. */
    private int unacked;
    /** The instruction at which the replay looks at the channel next. */
    private long nextLook;
    /** When the last frame arrived. */
    private long heardNanos;
    private Machine machine;
    private LogPlayer player;
    private TraceWriter trace;
    private volatile long persistedSeq, replayedInstret;
    /** Set once the machine and the trace are built and what came meanwhile is replayed: acks say so (see {@link Wire.Ack}). */
    private volatile boolean caughtUp;
    /** Why the channel is no longer read (a loss, or the BYE); null while it is. */
    private volatile String lostWhy;
    /** How many of the guest's disk writes the primary reports durable on the shared disk (all those numbered below). */
    private long primaryDurable;
    /** The writes replayed here that the shared disk may lack, numbered from {@link #windowFirst}. */
    private final ArrayDeque<Write> window = new ArrayDeque<>();
    private long windowFirst;

    public Backup(Channel channel, Path traceDir, Arbiter arbiter, FtOptions options, String me, Consumer<String> log) {
        this.channel = channel;
        this.traceDir = traceDir;
        this.arbiter = arbiter;
        this.options = options;
        this.me = me;
        this.log = log;
    }

    public Result run() throws IOException, InterruptedException {
        Channel.Frame f = channel.receive();
        if (f.kind() != Channel.Kind.HEADER) throw new LockstepException("the primary sent " + f.kind() + " before its header");
        Wire.Header h = Wire.Header.decode(f.payload());
        TraceHeader th = TraceHeader.decode(h.traceHeader(), "the header from the primary");
        byte[] state = null;
        if (h.snapshot()) {
            Channel.Frame s = channel.receive();
            if (s.kind() != Channel.Kind.SNAPSHOT) throw new LockstepException("the primary sent " + s.kind() + " instead of its state");
            state = s.payload();
        }
        // Ready: this process holds all it needs to take over (the header, the state, and the log as it comes),
        // so the primary's held output may go. The machine and the trace are built meanwhile, on another thread:
        // in a fresh JVM that takes a second or more, which the service would otherwise stall for.
        windowFirst = h.firstWrite();
        primaryDurable = h.firstWrite();
        persistedSeq = h.firstSeq() - 1;
        replayedInstret = h.instret();
        decoder = new EntryDecoder(h.instret());
        channel.silenceTimeout(options.buildingTimeoutMillis()); // until caught up: see FtOptions
        ackOrLose();
        heardNanos = System.nanoTime();
        Thread keepAlive = new Thread(this::keepAlive, "ft-keepalive");
        keepAlive.setDaemon(true);
        keepAlive.start();
        try {
            byte[] snapshot = state;
            java.util.concurrent.FutureTask<Void> setup = new java.util.concurrent.FutureTask<>(() -> {
                prepare(th, snapshot);
                return null;
            });
            Thread builder = new Thread(setup, "ft-backup-setup");
            builder.setDaemon(true);
            builder.start();
            while (true) {
                // Acknowledged as they come, replayed once the machine is there; silence is timed with the building
                // timeout until caught up (a fresh JVM's build may starve both sides on one host).
                receiveWaiting();
                try {
                    setup.get(1, java.util.concurrent.TimeUnit.MILLISECONDS);
                    break;
                } catch (java.util.concurrent.TimeoutException e) {
                    // still building
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) throw io;
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    throw new IllegalStateException(e.getCause());
                }
            }
            log.accept(String.format("backing up primary %s (%s) from instruction %,d; trace %s", h.primaryId(), channel.peer(),
                    machine.instret(), traceDir));
            nextLook = machine.instret() + SLICE;
            return watch(h, th);
        } finally {
            keepAlive.interrupt();
        }
    }

    /** Builds the machine as the primary's header says, in the primary's {@code state} (if it sent one), and the trace. */
    private void prepare(TraceHeader th, byte[] state) throws IOException {
        machine = new Machine(MachineConfig.fromMap(th.machineConfig()), i -> {
            throw new IllegalStateException("no input port yet");
        }, OutputSink.DISCARD);
        // Entries arrive in order and the backup never runs past the last one, so every RTC read's WALL is queued.
        player = new LogPlayer(machine, "the primary", null);
        java.util.function.Function<String, byte[]> images = name -> {
            if (th.image(name).orElseThrow() instanceof GuestImage.Embedded e) return e.bytes();
            throw new LockstepException("the primary's image " + name + " is not embedded in its header");
        };
        // A shared disk's reads come from the log: the referenced disk image itself is never needed here.
        Sessions.Devices.of(th.machineConfig()).attachForReplay(machine, images);
        VirtioBlk blk = machine.virtioDevice(VirtioBlk.class);
        if (blk != null) blk.switchBackend(remembering(blk.backend()));
        Sessions.spec(th, images).bootInto(machine);
        Machine.Snapshot snap = null;
        if (state != null) {
            snap = Wire.snapshot(state);
            machine.restore(snap);
        }
        trace = TraceWriter.create(traceDir, th);
        if (snap != null) {
            Machine.Snapshot sn = snap;
            long id = trace.checkpoints().writeCheckpoint(sn.instret(), sn.core(), Bus.PAGE_SIZE, machine.config().ramSize(),
                    sn::page, new int[0], true);
            trace.append(new LogEntry.Checkpoint(sn.instret(), id));
            trace.flush();
        }
    }

    /** Receives, acknowledges and replays until the guest ends, this backup diverges, or reading stops. */
    private Result watch(Wire.Header h, TraceHeader th) throws IOException, InterruptedException {
        try {
            LogEntry e;
            while ((e = next()) != null) {
                if (!(e instanceof LogEntry.Heartbeat)) trace.append(e);
                flushTraceIfDue();
                if (e instanceof LogEntry.Wall w) {
                    player.queueWall(w);
                    continue;
                }
                runTo(e.instret());
                if (player.apply(e)) {
                    awaitBye();
                    channel.close();
                    trace.close();
                    return new Result.GuestEnded((LogEntry.End) e, machine.instret());
                }
                replayedInstret = machine.instret();
            }
        } catch (Divergence divergence) {
            String why = String.format("DIVERGENCE at instruction %,d: %s", divergence.instret(), divergence.what());
            log.accept(why + "; this backup is no standby any more and stops");
            try {
                channel.send(Channel.Kind.BYE, why.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the primary will notice the silence
            }
            channel.close();
            // The trace keeps all the primary sent, past the divergence too: what it did next is evidence.
            for (LogEntry e : pending) {
                if (!(e instanceof LogEntry.Heartbeat)) trace.append(e);
            }
            trace.close();
            return new Result.Stopped(why);
        }
        channel.close();
        log.accept(String.format("primary lost (%s); drained the log to instruction %,d (entry %,d); asking the arbiter for %s",
                lostWhy, machine.instret(), persistedSeq, h.pairKey()));
        if (!Arbiter.acquire(arbiter, h.pairKey(), me, log)) {
            trace.close();
            String why = "the primary holds " + h.pairKey() + " at the arbiter: it went on alone, so this backup stops";
            log.accept(why);
            return new Result.Stopped(why);
        }
        byte[] b = player.pendingConsole();
        if (b.length > 0) {
            trace.append(new LogEntry.Output(machine.instret(), dev.lockstep.traceformat.OutputKind.CONSOLE,
                    LogPlayer.outputHash(b, 0, b.length), b.length, b));
        }
        trace.flush();
        log.accept(String.format("won the arbiter: going live at instruction %,d", machine.instret()));
        forgetDurable();
        return new Result.Live(machine, trace, th, h.consoleAddress(), h.pairKey(), java.util.List.copyOf(window));
    }

    /**
     * Writes the trace's open block once caught up, at most every {@link #TRACE_FLUSH_NANOS}: a block per
     * batch cost a Chronicle append per batch, ~12% of this thread under load. A backup killed meanwhile
     * loses only its trace's tail (acks do not wait for the trace); an idle channel's PINGs come through
     * {@link #next}, so an idle backup's trace is complete within a heartbeat of that.
     */
    private void flushTraceIfDue() {
        if (pending.isEmpty() && !channel.hasBuffered() && System.nanoTime() - traceFlushedNanos >= TRACE_FLUSH_NANOS) {
            trace.flush();
            traceFlushedNanos = System.nanoTime();
        }
    }

    private static final long TRACE_FLUSH_NANOS = 10_000_000L;
    private long traceFlushedNanos;

    // ------------------------------------------------------------------ receiving

    private static final int MAX_UNACKED_FRAMES = 8;

    /** The next entry to replay, receiving while none is pending; null once reading has stopped and all are replayed. */
    private LogEntry next() {
        // A deferred ack waits for the frames already here, never for the replay of the batches it covers.
        while ((pending.isEmpty() || unacked > 0) && lostWhy == null) {
            if (pending.isEmpty()) {
                flushTraceIfDue(); // before waiting, and after each PING of an idle channel
                if (!caughtUp) {
                    caughtUp();
                    continue;
                }
            }
            receive();
        }
        return pending.poll();
    }

    /**
     * Everything received so far is replayed, the first time: the build and the backlog are behind, so the
     * usual timeout applies from now on, on both sides (the ack says so to the primary).
     */
    private void caughtUp() {
        caughtUp = true;
        channel.silenceTimeout(options.timeoutMillis());
        heardNanos = System.nanoTime();
        ackOrLose();
    }

    /** How long a silence of the primary may last before it counts as failure (see {@link FtOptions#buildingTimeoutMillis}). */
    private int silenceMillis() { return caughtUp ? options.timeoutMillis() : options.buildingTimeoutMillis(); }

    /**
     * Receives one frame and handles it. The BYE or a loss stops reading, with {@link #lostWhy} saying why.
     * The replaying thread acks from here: one ack covers every batch before it, so while the next frame is here
     * already the ack waits for that one (a few frames at most, so that a steady stream still gets acks).
     */
    private void receive() {
        try {
            Channel.Frame f = channel.receive();
            heardNanos = System.nanoTime();
            switch (f.kind()) {
                case ENTRIES -> {
                    Wire.Batch b = Wire.entries(f.payload(), decoder);
                    if (b.firstSeq() != persistedSeq + 1) {
                        throw new IOException("entry " + b.firstSeq() + " arrived where " + (persistedSeq + 1) + " was due");
                    }
                    // Acknowledged on receipt, as VMware FT's backup does: the entries are in this process, which
                    // can replay them, and the output rule needs no more. They are written to the trace as they
                    // are replayed, so a backup killed before that loses only the trace's tail, never the service.
                    persistedSeq = b.lastSeq();
                    primaryDurable = b.durableWrites();
                    unacked++;
                    pending.addAll(b.entries());
                }
                case BYE -> lostWhy = "the primary ended its session"; // the last batches may have come with it: acked below
                default -> { }
            }
            // After any frame, not only a batch: a PING behind a batch must not leave that batch unacknowledged.
            if (unacked > 0 && (lostWhy != null || unacked >= MAX_UNACKED_FRAMES || !channel.hasBuffered())) {
                ack();
                unacked = 0;
            }
        } catch (SocketTimeoutException e) {
            lostWhy = "silent for " + silenceMillis() + " ms";
        } catch (Channel.Refused e) {
            log.accept(e.getMessage());
            lostWhy = "it sent a frame that failed authentication";
        } catch (IOException | RuntimeException e) {
            lostWhy = Objects.requireNonNullElse(e.getMessage(), e.toString());
        }
    }

    /**
     * Receives the frames already waiting, so that they are acknowledged while a long stretch is replayed,
     * and times the channel's silence meanwhile, as a read would: a primary that died while this backup
     * was busy is suspected as soon as the stretch is replayed, not a timeout later.
     */
    private void receiveWaiting() {
        while (lostWhy == null && waiting()) receive();
        int silence = silenceMillis();
        if (lostWhy == null && System.nanoTime() - heardNanos > silence * 1_000_000L) {
            lostWhy = "silent for " + silence + " ms";
        }
    }

    private boolean waiting() {
        try {
            return channel.available() > 0;
        } catch (IOException e) {
            return true; // the receive says what broke
        }
    }

    /** The BYE follows the END: acknowledging what came with it ends the primary's wait for its last ack now. */
    private void awaitBye() {
        long deadline = System.nanoTime() + options.timeoutMillis() * 2_000_000L;
        while (lostWhy == null && System.nanoTime() < deadline) receive();
    }

    /** Acks, unless the channel is lost already; one that breaks is a loss (the primary died: go live with what is here). */
    private void ackOrLose() {
        if (lostWhy != null) return;
        try {
            ack();
        } catch (IOException e) {
            lostWhy = Objects.requireNonNullElse(e.getMessage(), e.toString());
        }
    }

    private void ack() throws IOException {
        channel.send(Channel.Kind.ACK, new Wire.Ack(persistedSeq, replayedInstret, caughtUp).encode());
    }

    private void keepAlive() {
        try {
            while (lostWhy == null) {
                Thread.sleep(options.heartbeatMillis());
                ack();
            }
        } catch (IOException | InterruptedException e) {
            // the channel broke (the watch sees it too), or the watch ended
        }
    }

    // ------------------------------------------------------------------ replaying in step

    /** {@code replay}, keeping each write it is given (this backup's thread) until the primary has done it. */
    private BlockBackend remembering(BlockBackend replay) {
        return new BlockBackend() {
            @Override public long capacity() { return replay.capacity(); }
            @Override public void read(long id, long offset, int length) { replay.read(id, offset, length); }
            @Override public void flush(long id) { replay.flush(id); }
            @Override public byte[] readNow(long offset, int length) { return replay.readNow(offset, length); }

            @Override
            public void write(long id, long offset, byte[] data) {
                replay.write(id, offset, data);
                window.add(new Write(offset, data));
                forgetDurable();
            }
        };
    }

    private void forgetDurable() {
        long durable = primaryDurable;
        while (windowFirst < durable && !window.isEmpty()) {
            window.poll();
            windowFirst++;
        }
    }

    /**
     * Instructions replayed between looks at the channel: a look is one system call, little next to a slice,
     * and keeps a batch that arrives during a long stretch from waiting long for its ack.
     */
    private static final long SLICE = 100_000;

    private void runTo(long target) {
        while (machine.instret() < target) {
            Machine.Status s = machine.run(Math.min(target, nextLook));
            switch (s) {
                case HALTED -> {
                    // Halting on the target's own instruction is how a session ends: its END entry is at target.
                    if (machine.instret() < target) {
                        throw new Divergence(machine.instret(), null, String.format("the guest stopped (%s) but the "
                                + "primary went on to instruction %,d", machine.haltReason(), target));
                    }
                }
                case IDLE -> throw new Divergence(machine.instret(), null, String.format("the guest waits for an interrupt, but "
                        + "the primary has no input before instruction %,d", target));
                case STUCK -> throw new Divergence(machine.instret(), null, "the guest is stuck (every trap traps again)");
                default -> { }
            }
            if (machine.instret() >= nextLook) {
                receiveWaiting();
                nextLook = machine.instret() + SLICE;
            }
        }
    }

    public long outputsChecked() { return player.outputsChecked(); }
    public long hashesChecked() { return player.hashesChecked(); }
    public long persistedSeq() { return persistedSeq; }
}
