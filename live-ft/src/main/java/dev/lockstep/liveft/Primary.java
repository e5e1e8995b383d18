// The FT primary: records like the Recorder, streams the log to its backup, holds output for acks, handles loss and joins.
package dev.lockstep.liveft;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.run.LiveRunner;
import dev.lockstep.emulator.host.FileDisk;
import dev.lockstep.emulator.virtio.BlockBackend;
import dev.lockstep.emulator.virtio.VirtioBlk;
import dev.lockstep.recorder.Recorder;
import dev.lockstep.traceformat.EntryEncoder;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.TraceHeader;
import dev.lockstep.traceformat.TraceWriter;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Drives the machine loop as the recorder does, but every entry gets a sequence number and goes to the
 * backup in batches, sent on the loop's thread: right after the instruction that held a frame or a disk
 * write (the quantum ends there), so that the ack that releases it comes back as early as it can; at a
 * quantum's end when held console bytes wait for it or a quantum's worth of instructions ran since the
 * last batch (with a HEARTBEAT, so that the backup may run that far). Entries that no output waits for
 * otherwise go with the next batch (at most {@link #MAX_DEFERRED} of them). Output passes through the
 * {@link OutputGate}. When the backup falls more than {@link FtOptions#maxLagEntries} entries or
 * {@link FtOptions#maxLagInstructions} instructions behind, the loop waits at the quantum boundary until
 * it is within half of that: the primary slows to the backup's pace.
 *
 * <p>If the backup goes silent, the primary asks the arbiter for the pair's key: it goes on alone if it
 * wins, and stops for good if it loses (the backup has gone live). A new backup can join at any time
 * through {@code joinListener}; the state transfer happens at the next quantum boundary.
 */
public final class Primary implements LiveRunner.Hooks {
    /** How a primary's run ended. */
    public enum Outcome { GUEST_ENDED, DEFEATED, QUIT }

    private final Machine machine;
    private final TraceHeader header;
    private final TraceWriter trace;
    private final OutputGate gate;
    private final Recorder recorder;
    private final Arbiter arbiter;
    private final Secret secret;
    private final FtOptions options;
    private final String me;
    private final String consoleAddress;
    private final Consumer<String> log;
    private final HostInputQueue queue;
    private LiveRunner runner;

    private static final int READY_MILLIS = 60_000;
    private static final java.security.SecureRandom KEYS = new java.security.SecureRandom();
    private long lastSeq;
    private long lastEntryInstret = -1;
    private final List<LogEntry> batch = new ArrayList<>();
    private long batchFirstSeq;
    /** The last entry sent to the backup, and its instruction number. */
    private long sentSeq, sentInstret;
    private static final int MAX_DEFERRED = 256;
    private volatile Link link;
    private volatile Channel pendingJoin;
    private volatile boolean defeated;
    /** The last entry of a session that ended (its END), once the BYE is on its way; until then never reached. */
    private volatile long endSeq = Long.MAX_VALUE;
    private volatile boolean lossHandled = true;
    private long stallNanos, bytesSent, batchesSent;
    private int pairs;

    /** The machine must be booted (or restored); {@code trace} (may be null) gets every entry too. */
    public Primary(Machine machine, TraceHeader header, TraceWriter trace, ConsoleServer service, HostInputQueue queue,
                   Arbiter arbiter, Secret secret, FtOptions options, String me, Consumer<String> log) {
        this.machine = machine;
        this.header = header;
        this.trace = trace;
        this.queue = queue;
        this.arbiter = arbiter;
        this.secret = secret;
        this.options = options;
        this.me = me;
        this.log = log;
        this.consoleAddress = service.address();
        this.gate = new OutputGate(new OutputGate.ServiceSink() {
            @Override
            public void output(OutputKind kind, long instret, byte[] data, int off, int len) {
                OutputSink n = network;
                if (kind == OutputKind.NET) {
                    if (n != null) n.output(kind, instret, data, off, len);
                } else {
                    service.output(kind, instret, data, off, len);
                }
            }

            @Override
            public void flush() { service.flush(); }
        }, () -> lastSeq);
        machine.setOutput(gate);
        this.recorder = new Recorder(machine, new Recorder.EntryLog() {
            @Override
            public void append(LogEntry e) { appendEntry(e); }

            @Override
            public void flush() {
                if (trace != null) trace.flush();
            }
        }, trace != null ? trace.checkpoints() : null, Recorder.Options.DEFAULT);
    }

    private volatile OutputSink network;

    /** The output rule's gate: a test looks at what it holds, and acknowledges for a backup. */
    OutputGate gate() { return gate; }

    /** Where released NET output goes (the dgram backend): frames leave under the output rule, as console bytes do. */
    public void network(OutputSink frames) { this.network = frames; }

    /**
     * {@code disk} behind the output rule. The disk is shared (VMware FT's default): only the primary does
     * I/O, and read data travels in the log. Plug the result into the machine's virtio-blk before the run.
     *
     * <p>With a backup, a write or a flush completes to the guest at once (its completion is logged like
     * any other), while the write itself reaches the disk only once the backup has acknowledged the log up
     * to the instruction that issued it, in order with the held output. So the guest does not wait a round
     * trip per request (Remus completes its disk writes the same way), and a write the guest saw complete
     * is in the backup's log: a backup that goes live writes again those the image may lack
     * ({@link Backup.Result.Live#unapplied}): the writes not yet durable on it, counted by
     * {@link DurableWrites} in each batch. This primary flushes the image on its own once
     * {@link #MAX_UNDURABLE} writes are not durable, so that window stays bounded. A read waits behind the
     * writes held before it.
     *
     * <p>What output behind a guest's flush waits for, besides the backup's ack, is the durability:
     * <ul>
     * <li>{@link FtOptions.Durability#DISK}: each write also goes to a {@link RedoJournal} next to the image
     * when issued, and a flush makes the journal durable at once, while the log travels to the backup, so a
     * reply waits for the later of the two, not for a round trip and then an fdatasync. The journal is
     * created here (replacing one a failed primary left: a backup going live has written its window first)
     * and written also while running alone, so that it always holds every write the image may lack. If it
     * cannot be created, output waits for the image's flush after the ack instead (see {@link #journal}),
     * as it does behind a flush after a write too large for the journal, until the image has that write.
     * <li>{@link FtOptions.Durability#REPLICA}: nothing more; a flush only starts the image's. A journal
     * left by a primary under DISK is deleted here.
     * </ul>
     * Running alone without a journal, requests complete when done, as in a plain run.
     */
    public BlockBackend outputRuled(FileDisk disk) {
        Path journalPath = RedoJournal.pathFor(disk.path());
        boolean underDisk = options.durability() == FtOptions.Durability.DISK;
        // Under REPLICA, an old primary's journal (it ran under DISK) must never be applied over these writes.
        if (!underDisk) RedoJournal.discard(journalPath);
        RedoJournal journal = underDisk ? journal(journalPath) : null;
        DurableWrites durable = journal != null
                ? new DurableWrites(disk::force, this::diskFailed, MAX_UNDURABLE, journal::roomWanted, journal::imageDurableUpTo)
                : new DurableWrites(disk::force, this::diskFailed, MAX_UNDURABLE);
        durable.durableUpTo(writesIssued);
        durableWrites = durable;
        redoJournal = journal;
        return new BlockBackend() {
            @Override public long capacity() { return disk.capacity(); }
            @Override public byte[] readNow(long offset, int length) { return disk.readNow(offset, length); }

            @Override
            public void read(long id, long offset, int length) {
                gate.ordered(() -> {
                    disk.read(id, offset, length);
                    return null;
                });
            }

            @Override
            public void write(long id, long offset, byte[] data) {
                long index = writesIssued++;
                if (journal != null) {
                    try {
                        if (!journal.append(index, offset, data, Primary.this::makeRoom)) notJournaled(index, data.length);
                    } catch (java.io.UncheckedIOException e) {
                        diskFailed(e.getCause()); // the write cannot be made durable as promised
                        return;
                    }
                }
                if (gate.solo()) {
                    gate.hold(() -> {
                        disk.write(id, offset, data);
                        durable.started(index, data.length);
                        return null;
                    });
                    return;
                }
                gate.hold(OutputGate.Io.of(() -> released(index, data.length, durable, disk.apply(offset, data)),
                        () -> released(index, data.length, durable, disk.applyHere(offset, data))));
                queue.put(new InputEvent.DiskDone(id, VirtioBlk.S_OK, null));
            }

            @Override
            public void flush(long id) {
                if (journal != null && durable.durable() > lastNotJournaled) {
                    // Every write before this flush is in the journal or durable on the image: the journal's
                    // fdatasync starts now, alone or paired.
                    CompletableFuture<Void> f = journal.force();
                    if (gate.solo()) {
                        f.whenComplete((v, e) -> queue.put(new InputEvent.DiskDone(id, e == null ? VirtioBlk.S_OK : VirtioBlk.S_IOERR, null)));
                        return;
                    }
                    gate.flushing(() -> durable(f));
                } else if (gate.solo()) {
                    gate.ordered(() -> {
                        disk.flush(id); // every write before it is on the image: its flush makes them durable
                        return null;
                    });
                    return;
                } else if (!underDisk) {
                    gate.flushing(() -> {
                        durable.flush();
                        return null; // nothing waits for it: the backup's ack covers the writes
                    });
                } else {
                    // DISK without its journal, or with a write not in it: after the ack, the image's own flush.
                    gate.flushing(() -> durable(durable.flush()));
                }
                queue.put(new InputEvent.DiskDone(id, VirtioBlk.S_OK, null));
            }
        };
    }

    /**
     * The last guest write whose data is not in the redo journal, being larger than its ring, or -1. Until
     * the image is durable through it, a guest's flush waits for the image's own flush, as without a journal:
     * recovery could not write it. The loop's thread only.
     */
    private long lastNotJournaled = -1;

    private void notJournaled(long index, int bytes) {
        if (lastNotJournaled < 0) {
            log.accept(String.format("a guest write of %,d bytes is larger than the redo journal: replies behind the"
                    + " guest's next flush wait for the disk image's own flush after the backup's ack", bytes));
        }
        lastNotJournaled = index;
    }

    /** Makes the redo journal at {@code path} (a test may hold its fdatasyncs back). */
    java.util.function.Function<Path, RedoJournal> journals = path -> RedoJournal.create(path, RedoJournal.DEFAULT_CAPACITY);

    /**
     * A new redo journal at {@code path}, or null if it cannot be created: then output behind a guest's
     * flush waits for the image's own flush, started once the backup has acknowledged the writes before
     * it (a round trip and then an fdatasync: slower, as durable), rather than a backup that won the
     * arbiter failing to go live.
     */
    private RedoJournal journal(Path path) {
        try {
            return journals.apply(path);
        } catch (dev.lockstep.emulator.LockstepException e) {
            log.accept(e.getMessage() + "; replies behind a guest's disk flush wait for the disk image's own flush"
                    + " after the backup's ack instead");
            return null;
        }
    }

    /**
     * The journal has no room for the next write (the loop's thread waits): the writes it holds must reach
     * the image and be flushed, so the entries their release waits for leave now, and a flush starts.
     */
    private void makeRoom() {
        sendBatch();
        DurableWrites d = durableWrites;
        if (d != null) d.flushIfUndurable();
    }

    /** Under DISK with a disk: its redo journal. Null otherwise. */
    private volatile RedoJournal redoJournal;

    /** A primary flushes the image by itself once this many writes the backup keeps are not durable. */
    static final int MAX_UNDURABLE = 256;

    /** With a disk: its durable writes. Null otherwise. */
    private volatile DurableWrites durableWrites;

    /** How many of the first guest writes the backup may forget: durable on the shared disk. */
    private long windowTrim() {
        DurableWrites d = durableWrites;
        return d != null ? d.durable() : 0;
    }

    /** Guest write {@code index}, released in gate order, is under way as {@code f}; a failure stops this primary. */
    private CompletableFuture<?> released(long index, int bytes, DurableWrites durable, CompletableFuture<Void> f) {
        f.whenComplete((v, e) -> {
            if (e != null) diskFailed(e);
        });
        durable.started(index, bytes);
        return null;
    }

    /** A flush's future, which output released after it waits for; a failure stops this primary. */
    private CompletableFuture<?> durable(CompletableFuture<Void> f) {
        return f.whenComplete((v, e) -> {
            if (e != null) diskFailed(e);
        });
    }

    /** Guest disk writes issued through {@link #outputRuled} (the loop's thread). */
    private long writesIssued;

    /**
     * The shared disk failed a write or flush the guest was told is done: this primary can no longer keep
     * its word, so it stops without a word to the backup, which takes over from the log (and writes again).
     */
    private void diskFailed(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        synchronized (this) {
            if (defeated) return;
            defeated = true;
        }
        gate.discard();
        abandonJournal();
        log.accept("the shared disk failed (" + cause.getMessage() + ") after the guest was told its request was done; "
                + "this primary stops and leaves the service to its backup");
        Link l = link;
        if (l != null) l.channel.close();
        LiveRunner r = runner;
        if (r != null) r.quit();
    }

    private void appendEntry(LogEntry e) {
        lastSeq++;
        lastEntryInstret = e.instret();
        if (trace != null) trace.append(e);
        if (link != null) {
            if (batch.isEmpty()) batchFirstSeq = lastSeq;
            batch.add(e);
            // A frame or a disk write now waits in the gate for this entry's ack: end the quantum after this
            // instruction, whose batch is then sent (afterQuantum), not at the quantum's end. One notify may
            // send several frames; they go in one batch. (Console bytes go with the quantum: a guest may print
            // one byte at a time.)
            if (e instanceof LogEntry.Output o && o.kind() != dev.lockstep.traceformat.OutputKind.CONSOLE) {
                machine.requestStop();
            }
        }
    }

    // ------------------------------------------------------------------ pairing

    /** Pairs with a backup that listens at {@code address} (the first pairing, before the run). */
    public void pair(java.net.InetSocketAddress address, long waitMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        while (true) {
            try {
                Channel c = Channel.connect(address, secret, "primary", options.timeoutMillis() * 4);
                startLink(c, false);
                return;
            } catch (Channel.Refused e) {
                throw e;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw new IOException("no backup at " + address + ": " + e.getMessage(), e);
                Thread.sleep(50);
            }
        }
    }

    /** Runs without a backup from the start, as the holder of {@code key}. Only after winning the arbiter. */
    public void solo() { gate.solo(true); }

    /** Accepts `lockstep backup --join` connections on {@code server}; each is served at a quantum boundary. */
    public void acceptJoins(ServerSocket server) {
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Channel c;
                    try {
                        c = Channel.accept(s, secret, 5000);
                    } catch (IOException e) {
                        log.accept(e instanceof Channel.Refused ? e.getMessage() : "a join from " + s.getRemoteSocketAddress() + " failed: " + e.getMessage());
                        continue;
                    }
                    if (link != null || pendingJoin != null || !lossHandled) {
                        log.accept("refused a join from " + c.peer() + ": this primary has a backup");
                        c.close();
                        continue;
                    }
                    pendingJoin = c;
                    queue.put(new InputEvent.ConsoleInput(new byte[0])); // wakes an idle loop
                } catch (IOException e) {
                    return;
                }
            }
        }, "join-accept");
        t.setDaemon(true);
        t.start();
    }

    private void startLink(Channel c, boolean transfer) throws IOException {
        long t0 = System.nanoTime(); // the loop's pause: the image's flush, the snapshot and its sending
        recorder.flushOutput();
        sendBatch();
        DurableWrites d = durableWrites;
        if (d != null) {
            // The new backup keeps the writes from here on: those before must be durable already.
            try {
                d.flushAndWait(writesIssued);
            } catch (java.util.concurrent.CompletionException e) {
                diskFailed(e);
                throw new IOException("the shared disk failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
        String key = me + "/pair-" + (++pairs) + "-" + Long.toHexString(KEYS.nextLong());
        Wire.Header h = new Wire.Header(key, me, lastSeq + 1, machine.instret(), writesIssued, transfer, header.encode(),
                consoleAddress);
        c.send(Channel.Kind.HEADER, h.encode());
        if (transfer) {
            Machine.Snapshot s = machine.snapshot();
            byte[] snap = Wire.snapshot(s);
            c.send(Channel.Kind.SNAPSHOT, snap);
            bytesSent += snap.length;
        }
        gate.paired(lastSeq);
        sentSeq = lastSeq;
        sentInstret = machine.instret();
        Link l = new Link(c, key, machine.instret(), lastSeq);
        link = l;
        lossHandled = true;
        l.start();
        if (transfer) {
            log.accept(String.format("backup %s joined at instruction %,d (state transfer: %.1f ms, %,d bytes)", c.peer(),
                    machine.instret(), (System.nanoTime() - t0) / 1e6, bytesSent));
        } else {
            log.accept("paired with backup " + c.peer() + " (pair " + key + ")");
        }
    }

    // ------------------------------------------------------------------ the loop's hooks

    @Override
    public void beforeDeliver(InputEvent event, long instret) {
        if (event instanceof InputEvent.ConsoleInput c && c.bytes().length == 0) return;
        recorder.beforeDeliver(event, instret);
    }

    @Override
    public void afterQuantum(Machine m) {
        recorder.afterQuantum(m);
        if (defeated) {
            runner.quit();
            return;
        }
        Link l = link;
        if (l != null) {
            recorder.flushOutput();
            // Send when held output waits for an entry not sent yet (console bytes: their entry is logged now);
            // when a held disk write does and the guest is about to wait for input; after a quantum's worth of
            // instructions, so that the backup follows a busy guest closely; and when the batch has grown.
            // Otherwise the entries wait for the next send. An idle kvserver, which wakes for each disk
            // completion, would else send a frame (and get an ack) for every wake-up. A write's completion is
            // queued as soon as it is held, so the guest goes on at once to its flush and its replies, which
            // then travel with it: one frame and one round trip for a commit, not one per step of it.
            if (gate.lastHeldOutputSeq() > sentSeq || (gate.lastHeldSeq() > sentSeq && queue.isEmpty())
                    || m.instret() - sentInstret >= options.quantum() || batch.size() >= MAX_DEFERRED) {
                heartbeatAndSend(m.instret());
            }
            boundLag(l);
        }
        gate.flush();
        Channel j = pendingJoin;
        if (j != null && link == null && lossHandled) {
            pendingJoin = null;
            try {
                startLink(j, true);
            } catch (IOException e) {
                log.accept("the join from " + j.peer() + " failed: " + e.getMessage());
                j.close();
                link = null;
                gate.solo(true);
            }
        }
    }

    /** Tells the backup it may run to {@code now}, with the entries not sent yet. */
    private void heartbeatAndSend(long now) {
        if (now > lastEntryInstret) appendEntry(new LogEntry.Heartbeat(now));
        sendBatch();
    }

    /** Sends the entries logged since the last batch, on the loop's thread (no hand-off to wait for). */
    private void sendBatch() {
        Link l = link;
        if (l == null || batch.isEmpty()) {
            batch.clear();
            return;
        }
        sentSeq = lastSeq;
        sentInstret = lastEntryInstret;
        byte[] payload = Wire.entries(batchFirstSeq, windowTrim(), batch, l.encoder);
        bytesSent += payload.length;
        batchesSent++;
        batch.clear();
        l.send(Channel.Kind.ENTRIES, payload);
    }

    private void boundLag(Link l) {
        if (lastSeq - l.ackedSeq <= options.maxLagEntries()
                && machine.instret() - l.backupInstret <= options.maxLagInstructions()) return;
        heartbeatAndSend(machine.instret()); // what the backup must catch up with
        long t0 = System.nanoTime();
        synchronized (l) {
            while (link == l && !defeated && (lastSeq - l.ackedSeq > options.maxLagEntries() / 2
                    || machine.instret() - l.backupInstret > options.maxLagInstructions() / 2)) {
                try {
                    l.wait(options.heartbeatMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        stallNanos += System.nanoTime() - t0;
    }

    /** Runs the loop until the guest ends, this primary is defeated, or {@code runner} is asked to quit. */
    public Outcome run(LiveRunner runner, long limit) throws InterruptedException {
        this.runner = runner;
        LiveRunner.End end = runner.run(limit);
        if (defeated) return Outcome.DEFEATED;
        recorder.end(end);
        sendBatch();
        Link l = link;
        if (l != null) {
            endSeq = lastSeq;
            l.send(Channel.Kind.BYE, new byte[0]);
            long deadline = System.nanoTime() + options.timeoutMillis() * 4_000_000L;
            synchronized (l) {
                long left;
                while (link == l && l.ackedSeq < lastSeq && (left = deadline - System.nanoTime()) > 0) {
                    l.wait(Math.max(1, left / 1_000_000));
                }
            }
            // Lost at the very end (the backup closes the channel once it has replayed the END): what is still
            // held leaves only if the arbiter lets this primary go on, so wait for its answer before exiting.
            while (!lossHandled && !defeated && System.nanoTime() < deadline) Thread.sleep(1);
        }
        gate.flush();
        if (trace != null) trace.flush();
        if (!defeated) settleJournal();
        return end == LiveRunner.End.QUIT ? Outcome.QUIT : Outcome.GUEST_ENDED;
    }

    /** The service is lost: the journal takes no more writes, and a write waiting for its room goes on. */
    private void abandonJournal() {
        RedoJournal j = redoJournal;
        if (j != null) j.abandon();
    }

    /**
     * At the end of the run: when every write has reached the image (none is held for an ack that did not
     * come), flushes it and deletes the journal, so that the next start has nothing to recover.
     */
    private void settleJournal() {
        RedoJournal j = redoJournal;
        DurableWrites d = durableWrites;
        if (j == null || d == null || d.started() < writesIssued) return;
        try {
            d.flushAndWait(writesIssued);
            j.delete();
        } catch (java.util.concurrent.CompletionException e) {
            j.close();
            log.accept("cannot flush the shared disk at the end (" + e.getCause().getMessage() + "); its redo journal "
                    + j.path() + " stays for the next start to apply");
        }
    }

    public long stallMillis() { return stallNanos / 1_000_000; }
    public long bytesSent() { return bytesSent; }
    /** Frames of entries sent to backups (a state transfer's snapshot not counted). */
    public long batchesSent() { return batchesSent; }
    public HostInputQueue queue() { return queue; }

    /** Whether this primary has a backup now. */
    public boolean paired() { return link != null; }

    // ------------------------------------------------------------------ loss of the backup

    /** The backup closed the channel after acknowledging the session's END: the session is over, not the pair. */
    private void sessionOver(Link l) {
        synchronized (this) {
            if (link == l) link = null;
        }
        synchronized (l) {
            l.notifyAll();
        }
        l.channel.close();
    }

    private void backupLost(Link l, String why) {
        synchronized (this) {
            if (link != l) return;
            link = null;
            lossHandled = false;
        }
        synchronized (l) {
            l.notifyAll();
        }
        l.channel.close();
        // Replies may have left with writes that only the backup's memory and this host's page cache hold.
        DurableWrites d = durableWrites;
        if (d != null) d.flush();
        log.accept("lost the backup (" + why + "); asking the arbiter for " + l.key);
        try {
            if (Arbiter.acquire(arbiter, l.key, me, log)) {
                log.accept("won the arbiter: continuing alone");
                gate.solo(true);
                lossHandled = true;
                queue.put(new InputEvent.ConsoleInput(new byte[0]));
            } else {
                defeated = true;
                gate.discard();
                abandonJournal();
                log.accept("lost the arbiter: the backup holds " + l.key + " and is the primary now; this primary stops");
                LiveRunner r = runner;
                if (r != null) r.quit();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The connection to one backup. Batches are sent by the loop's thread; a keep-alive thread sends a PING
     * when nothing was sent for a heartbeat interval, and a reader takes acks and notices silence.
     */
    private final class Link {
        final Channel channel;
        final String key;
        final EntryEncoder encoder;
        volatile long ackedSeq;
        volatile long backupInstret;
        private volatile long lastSendNanos = System.nanoTime();
        private volatile String sendFailure;

        Link(Channel channel, String key, long baseInstret, long ackedSeq) {
            this.channel = channel;
            this.key = key;
            this.encoder = new EntryEncoder(baseInstret);
            this.ackedSeq = ackedSeq;
            this.backupInstret = baseInstret;
        }

        void start() {
            Thread s = new Thread(this::keepAlive, "ft-keepalive");
            s.setDaemon(true);
            s.start();
            Thread r = new Thread(this::readLoop, "ft-acks");
            r.setDaemon(true);
            r.start();
        }

        /**
         * Sends a frame. A failure closes the channel, so the reader ends with it and handles the loss (the
         * arbiter's answer must not be awaited on the loop's thread).
         */
        void send(Channel.Kind kind, byte[] payload) {
            if (sendFailure != null) return;
            try {
                channel.send(kind, payload);
                lastSendNanos = System.nanoTime();
            } catch (IOException e) {
                sendFailure = e.getMessage();
                channel.close();
            }
        }

        private void keepAlive() {
            long interval = options.heartbeatMillis() * 1_000_000L;
            try {
                while (link == this && sendFailure == null) {
                    long quiet = System.nanoTime() - lastSendNanos;
                    if (quiet >= interval) {
                        send(Channel.Kind.PING, new byte[0]);
                        quiet = 0;
                    }
                    TimeUnit.NANOSECONDS.sleep(interval - quiet);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static final int MAX_DEFERRED_ACKS = 8;
        private int deferred;

        private void readLoop() {
            try {
                // The backup acknowledges once it holds the header and the state (until then output is held, and a
                // fresh JVM may take long), then builds its machine and trace and catches up, acking meanwhile:
                // silence counts as failure after the building timeout until its acks say it has caught up.
                channel.silenceTimeout(READY_MILLIS);
                boolean first = true, caughtUp = false;
                while (link == this) {
                    Channel.Frame f = channel.receive();
                    if (f.kind() == Channel.Kind.ACK) {
                        Wire.Ack a = Wire.Ack.decode(f.payload());
                        if (!caughtUp && a.caughtUp()) {
                            caughtUp = true;
                            channel.silenceTimeout(options.timeoutMillis());
                        } else if (first) {
                            channel.silenceTimeout(options.buildingTimeoutMillis());
                        }
                        first = false;
                        ackedSeq = a.seq();
                        backupInstret = a.instret();
                        // Acks that came in while this thread was flushing the disk are here already: release once
                        // for all of them, so that their flushes are done as one (OutputGate's group commit).
                        if (channel.hasBuffered() && ++deferred < MAX_DEFERRED_ACKS) continue;
                        deferred = 0;
                        gate.acked(a.seq());
                        synchronized (this) {
                            notifyAll();
                        }
                    } else if (f.kind() == Channel.Kind.BYE) {
                        backupLost(this, "the backup stopped: " + new String(f.payload(), java.nio.charset.StandardCharsets.UTF_8));
                        return;
                    }
                }
            } catch (SocketTimeoutException e) {
                backupLost(this, "silent for " + options.timeoutMillis() + " ms");
            } catch (Channel.Refused e) {
                log.accept(e.getMessage());
                backupLost(this, "refused a frame");
            } catch (IOException e) {
                // A BYE with a reason (a divergence) is a loss even at the very end; a plain close after END is not.
                if (ackedSeq >= endSeq) sessionOver(this);
                else backupLost(this, sendFailure != null ? "cannot send: " + sendFailure : e.getMessage());
            }
        }
    }
}
