// The output rule (DESIGN §7): guest output waits here until the backup has acknowledged the log up to it.
package dev.lockstep.liveft;

import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Each output is stamped with the sequence number of the log entry that covers it: its own OUTPUT entry,
 * which the Recorder logs right after the output passes here. It leaves (in order) once the backup has
 * acknowledged that sequence number, so a backup that goes live has replayed the output itself, not only
 * what came before it. The machine keeps running meanwhile; release happens on whichever thread brings
 * the acknowledgement. A primary running alone (after winning the arbiter) releases at once.
 *
 * <p>Disk requests wait here too, as {@link Io}: a write like output, a read or flush only behind the
 * writes held before it. An {@code Io} may return a future, a flush making writes durable: output
 * released after it leaves only once that future is done (the thread that completes it goes on with the
 * release), so a reply never reaches a client before the write it acknowledges is on the disk.
 *
 * <p>One thread releases at a time, and it runs a released {@code Io} itself ({@link Io#startHere}),
 * outside the gate's lock: the thread that brought the ack writes and flushes the disk, with no hand-off
 * to a disk thread (a wake-up per batch, costly on a VM), while the machine's loop goes on putting
 * output in the gate. A thread that finds the release under way leaves it to that thread, which looks
 * again before it stops.
 */
final class OutputGate implements OutputSink {
    /** Where released output goes: buffered until {@link #flush()}. */
    interface ServiceSink extends OutputSink {
        void flush();
    }

    /** Host I/O released by the gate. A non-null result is a durability later output waits for. */
    interface Io {
        /** Starts the I/O without blocking (the caller is the machine's loop). */
        CompletableFuture<?> start();

        /** Does the I/O, on the releasing thread, which may block for it. */
        default CompletableFuture<?> startHere() { return start(); }

        /** An {@code Io} whose releasing thread does the I/O with {@code here}, where the loop starts it with {@code start}. */
        static Io of(java.util.function.Supplier<CompletableFuture<?>> start, java.util.function.Supplier<CompletableFuture<?>> here) {
            return new Io() {
                @Override public CompletableFuture<?> start() { return start.get(); }
                @Override public CompletableFuture<?> startHere() { return here.get(); }
            };
        }
    }

    /** What a held item is: output, or a disk request (a flush's may be merged with a later one). */
    private enum Role { OUTPUT, WRITE, ORDERED, FLUSH }

    /** Output, or (when {@code io} is set) host I/O that must wait as output does: a disk request. */
    private record Held(long seq, Role role, OutputKind kind, long instret, byte[] data, Io io) {}

    private final ServiceSink service;
    private final java.util.function.LongSupplier lastSeq;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private long acked;
    /** Disk requests held, or released and still running on the releasing thread: a read or flush must wait for them. */
    private int heldIo;
    private boolean solo, closed;
    /** What the next output must wait for (the last flush released), and whether its completion will resume the release. */
    private CompletableFuture<?> durable;
    private boolean resumeArmed;
    /** A thread is releasing; another asked it to look again. */
    private boolean releasing, again;
    /** See {@link #lastHeldOutputSeq}; written under the lock, read without it. */
    private volatile long lastOutputSeq = -1;

    OutputGate(ServiceSink service, java.util.function.LongSupplier lastSeq) {
        this.service = service;
        this.lastSeq = lastSeq;
    }

    /**
     * Console bytes and frames. The Recorder logs the OUTPUT entry of a frame right after this call, and
     * that of console bytes as the next entry it logs, so the covering entry is the next one: lastSeq + 1.
     * A disk write's DISK output is dropped here: the write itself waits, through {@link #hold}.
     */
    @Override
    public void output(OutputKind kind, long instret, byte[] data, int off, int len) {
        lock.lock();
        try {
            if (closed || kind == OutputKind.DISK) return;
            if (solo && held.isEmpty() && durable == null && !releasing) {
                service.output(kind, instret, data, off, len);
                return;
            }
            lastOutputSeq = lastSeq.getAsLong() + 1;
            held.add(new Held(lastOutputSeq, Role.OUTPUT, kind, instret, java.util.Arrays.copyOfRange(data, off, off + len), null));
            if (solo) release();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs the disk write {@code io} once the backup has acknowledged the log as far as it is now (its
     * OUTPUT entry included), in order with the held output: a write reaches the shared disk only when the
     * backup could reproduce it.
     */
    void hold(Io io) {
        lock.lock();
        try {
            if (closed) return;
            held.add(new Held(lastSeq.getAsLong(), Role.WRITE, null, 0, null, io));
            heldIo++;
            release();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs the disk read or flush {@code io} now if no disk request waits in the gate, else right after
     * the last held item: it must not overtake a write issued before it. It is not output (a read's data
     * travels in the log, a flush only makes completed writes durable), so it need not wait for an ack of
     * its own; a backup that goes live issues it again if its completion was not logged.
     */
    void ordered(Io io) { ordered(io, Role.ORDERED); }

    /**
     * A flush, ordered as {@link #ordered} is; its future is the durability later output waits for. Flushes
     * released together are done as one (a group commit): the writes of all, then the last flush, then
     * the output between them, which only waits a little longer for the same durability.
     */
    void flushing(Io io) { ordered(io, Role.FLUSH); }

    private void ordered(Io io, Role role) {
        lock.lock();
        try {
            if (closed) return;
            if (heldIo == 0) {
                started(io.start());
                return;
            }
            // Behind the last held item; or, if the releaser is running the last one, next in line.
            held.add(new Held(held.isEmpty() ? acked : held.peekLast().seq, role, null, 0, null, io));
            heldIo++;
        } finally {
            lock.unlock();
        }
    }

    /** The backup has persisted every entry up to {@code seq}. */
    void acked(long seq) {
        lock.lock();
        try {
            if (seq > acked) acked = seq;
            release();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases, in order, what the acks (or running alone) allow, stopping at output that waits for a
     * flush. Called with the lock held; a released {@code Io} runs with it let go.
     */
    private void release() {
        if (releasing) {
            again = true;
            return;
        }
        releasing = true;
        try {
            do {
                again = false;
                releaseReady();
            } while (again);
        } finally {
            releasing = false;
        }
    }

    private void releaseReady() {
        boolean any = false;
        while (!closed && !held.isEmpty() && (solo || held.peek().seq <= acked)) {
            Held h = held.peek();
            if (h.io == null && durable != null) {
                if (durable.isCompletedExceptionally()) {
                    discard(); // the disk lost a write the guest was told is done: nothing after it may leave
                    return;
                }
                if (!durable.isDone()) {
                    if (!resumeArmed) {
                        resumeArmed = true;
                        durable.whenComplete((v, e) -> resume());
                    }
                    break;
                }
                durable = null;
            }
            if (h.io == null) {
                held.poll();
                service.output(h.kind, h.instret, h.data, 0, h.data.length);
                any = true;
                continue;
            }
            if (any) {
                service.flush(); // what was released before this I/O need not wait for it
                any = false;
            }
            List<Held> group = groupCommit();
            if (group == null) {
                held.poll();
                group = List.of(h);
            }
            CompletableFuture<?> f = null;
            lock.unlock();
            try {
                for (Held g : group) {
                    CompletableFuture<?> d = g.io.startHere();
                    if (d != null) f = d;
                }
            } finally {
                lock.lock();
            }
            if (closed) return;
            heldIo -= group.size();
            started(f);
        }
        if (any) service.flush();
    }

    /**
     * When the releasable items from the head on hold more than one flush before any read, takes out of
     * the queue the writes up to the last such flush and that flush, and returns them to be done in order;
     * the other flushes there are dropped (the last covers their writes) and the output between them stays
     * queued, now behind that flush's durability. Else null. A read is never crossed: it must see exactly
     * the writes issued before it.
     */
    private List<Held> groupCommit() {
        int flushes = 0, last = -1, i = 0;
        for (Held x : held) {
            if (!(solo || x.seq <= acked) || x.role == Role.ORDERED) break;
            if (x.role == Role.FLUSH) {
                flushes++;
                last = i;
            }
            i++;
        }
        if (flushes < 2) return null;
        List<Held> group = new ArrayList<>();
        ArrayDeque<Held> outputs = new ArrayDeque<>();
        for (int n = 0; n <= last; n++) {
            Held x = held.poll();
            if (x.role == Role.OUTPUT) outputs.add(x);
            else if (x.role == Role.WRITE || n == last) group.add(x);
        }
        heldIo -= flushes - 1; // the dropped flushes
        while (!outputs.isEmpty()) held.addFirst(outputs.pollLast());
        return group;
    }

    private void started(CompletableFuture<?> f) {
        if (f != null) durable = f; // requests complete in order: the last flush covers the ones before it
    }

    /** A flush completed (on the disk's thread, or on the releasing thread itself): the output behind it may go, unless it failed. */
    private void resume() {
        lock.lock();
        try {
            resumeArmed = false;
            release();
        } finally {
            lock.unlock();
        }
    }

    /** Pushes out what was released (between quanta, and before the loop waits). */
    void flush() {
        lock.lock();
        try {
            service.flush();
        } finally {
            lock.unlock();
        }
    }

    /** Running alone now, by the arbiter's word: everything held may leave. */
    void solo(boolean on) {
        lock.lock();
        try {
            solo = on;
            if (on) release();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the gate releases at once (no backup, by the arbiter's word). */
    boolean solo() {
        lock.lock();
        try {
            return solo;
        } finally {
            lock.unlock();
        }
    }

    /** Restarts acknowledgement counting for a new backup whose stream starts after {@code seq}. */
    void paired(long seq) {
        lock.lock();
        try {
            solo = false;
            acked = Math.max(acked, seq);
        } finally {
            lock.unlock();
        }
    }

    /** This primary lost the arbiter (or its disk): nothing it holds may ever leave. */
    void discard() {
        lock.lock();
        try {
            closed = true;
            held.clear();
            heldIo = 0;
        } finally {
            lock.unlock();
        }
    }

    int heldCount() {
        lock.lock();
        try {
            return held.size();
        } finally {
            lock.unlock();
        }
    }

    /** The entry the last held item waits for, or -1 if nothing is held. */
    long lastHeldSeq() {
        lock.lock();
        try {
            return held.isEmpty() ? -1 : held.peekLast().seq;
        } finally {
            lock.unlock();
        }
    }

    /** The entry the last console bytes or frame held wait for (or waited for, once released), or -1 if none was held. */
    long lastHeldOutputSeq() { return lastOutputSeq; }
}
