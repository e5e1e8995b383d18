// The output rule (DESIGN §7): guest output waits here until the backup has acknowledged the log up to it.
package dev.lockstep.liveft;

import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

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
 */
final class OutputGate implements OutputSink {
    /** Where released output goes: buffered until {@link #flush()}. */
    interface ServiceSink extends OutputSink {
        void flush();
    }

    /** Host I/O released by the gate. It must not block; a non-null result is a durability later output waits for. */
    interface Io {
        CompletableFuture<?> start();
    }

    /** Output, or (when {@code io} is set) host I/O that must wait as output does: a disk request. */
    private record Held(long seq, OutputKind kind, long instret, byte[] data, Io io) {}

    private final ServiceSink service;
    private final java.util.function.LongSupplier lastSeq;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private long acked;
    private int heldIo;
    private boolean solo, closed;
    /** What the next output must wait for (the last flush released), and whether its completion will resume the release. */
    private CompletableFuture<?> durable;
    private boolean resumeArmed;

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
    public synchronized void output(OutputKind kind, long instret, byte[] data, int off, int len) {
        if (closed || kind == OutputKind.DISK) return;
        if (solo && held.isEmpty() && durable == null) {
            service.output(kind, instret, data, off, len);
            return;
        }
        held.add(new Held(lastSeq.getAsLong() + 1, kind, instret, java.util.Arrays.copyOfRange(data, off, off + len), null));
        if (solo) release();
    }

    /**
     * Runs the disk write {@code io} once the backup has acknowledged the log as far as it is now (its
     * OUTPUT entry included), in order with the held output: a write reaches the shared disk only when the
     * backup could reproduce it.
     */
    synchronized void hold(Io io) {
        if (closed) return;
        held.add(new Held(lastSeq.getAsLong(), null, 0, null, io));
        heldIo++;
        release();
    }

    /**
     * Runs the disk read or flush {@code io} now if no disk request waits in the gate, else right after
     * the last held item: it must not overtake a write issued before it. It is not output (a read's data
     * travels in the log, a flush only makes completed writes durable), so it need not wait for an ack of
     * its own; a backup that goes live issues it again if its completion was not logged.
     */
    synchronized void ordered(Io io) {
        if (closed) return;
        if (heldIo == 0) {
            started(io.start());
            return;
        }
        held.add(new Held(held.peekLast().seq, null, 0, null, io));
        heldIo++;
    }

    /** The backup has persisted every entry up to {@code seq}. */
    synchronized void acked(long seq) {
        if (seq > acked) acked = seq;
        release();
    }

    /** Releases, in order, what the acks (or running alone) allow, stopping at output that waits for a flush. */
    private void release() {
        boolean any = false;
        while (!held.isEmpty() && (solo || held.peek().seq <= acked)) {
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
            held.poll();
            any = true;
            if (h.io != null) {
                heldIo--;
                if (!closed) started(h.io.start());
            } else if (!closed) {
                service.output(h.kind, h.instret, h.data, 0, h.data.length);
            }
        }
        if (any) service.flush();
    }

    private void started(CompletableFuture<?> f) {
        if (f != null) durable = f; // requests complete in order: the last flush covers the ones before it
    }

    /** A flush completed (on the disk's thread): the output behind it may go, unless it failed. */
    private synchronized void resume() {
        resumeArmed = false;
        release();
    }

    /** Pushes out what was released (between quanta, and before the loop waits). */
    synchronized void flush() { service.flush(); }

    /** Running alone now, by the arbiter's word: everything held may leave. */
    synchronized void solo(boolean on) {
        solo = on;
        if (on) release();
    }

    /** Whether the gate releases at once (no backup, by the arbiter's word). */
    synchronized boolean solo() { return solo; }

    /** Restarts acknowledgement counting for a new backup whose stream starts after {@code seq}. */
    synchronized void paired(long seq) {
        solo = false;
        acked = Math.max(acked, seq);
    }

    /** This primary lost the arbiter (or its disk): nothing it holds may ever leave. */
    synchronized void discard() {
        closed = true;
        held.clear();
        heldIo = 0;
    }

    synchronized int heldCount() { return held.size(); }

    /** The entry the last held item waits for, or -1 if nothing is held. */
    synchronized long lastHeldSeq() { return held.isEmpty() ? -1 : held.peekLast().seq; }
}
