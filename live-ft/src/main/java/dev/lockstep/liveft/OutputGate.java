// The output rule (DESIGN §7): guest output waits here until the backup has acknowledged the log up to it.
package dev.lockstep.liveft;

import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import java.util.ArrayDeque;

/**
 * Each output is stamped with the sequence number of the log entry that covers it: its own OUTPUT entry,
 * which the Recorder logs right after the output passes here. It leaves (in order) once the backup has
 * acknowledged that sequence number, so a backup that goes live has replayed the output itself, not only
 * what came before it. The machine keeps running meanwhile; release happens on whichever thread brings
 * the acknowledgement. A primary running alone (after winning the arbiter) releases at once.
 */
final class OutputGate implements OutputSink {
    /** Where released output goes: buffered until {@link #flush()}. */
    interface ServiceSink extends OutputSink {
        void flush();
    }

    /** Output, or (when {@code action} is set) host I/O that must wait as output does: a disk request. */
    private record Held(long seq, OutputKind kind, long instret, byte[] data, Runnable action) {}

    private final ServiceSink service;
    private final java.util.function.LongSupplier lastSeq;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private long acked;
    private int heldActions;
    private boolean solo, closed;

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
        if (solo) {
            service.output(kind, instret, data, off, len);
            return;
        }
        held.add(new Held(lastSeq.getAsLong() + 1, kind, instret, java.util.Arrays.copyOfRange(data, off, off + len), null));
    }

    /**
     * Runs the disk write {@code io} once the backup has acknowledged the log as far as it is now (its
     * OUTPUT entry included), in order with the held output: a write reaches the shared disk only when the
     * backup could reproduce it.
     */
    synchronized void hold(Runnable io) {
        if (closed) return;
        long seq = lastSeq.getAsLong();
        if (solo || (held.isEmpty() && seq <= acked)) {
            io.run();
            return;
        }
        held.add(new Held(seq, null, 0, null, io));
        heldActions++;
    }

    /**
     * Runs the disk read or flush {@code io} now if no disk request waits in the gate, else right after
     * the last held item: it must not overtake a write issued before it. It is not output (a read's data
     * travels in the log, a flush only makes completed writes durable), so it need not wait for an ack of
     * its own; a backup that goes live issues it again if its completion was not logged.
     */
    synchronized void ordered(Runnable io) {
        if (closed) return;
        if (solo || heldActions == 0) {
            io.run();
            return;
        }
        held.add(new Held(held.peekLast().seq, null, 0, null, io));
        heldActions++;
    }

    /** The backup has persisted every entry up to {@code seq}. */
    synchronized void acked(long seq) {
        if (seq > acked) acked = seq;
        boolean any = false;
        while (!held.isEmpty() && (solo || held.peek().seq <= acked)) {
            Held h = held.poll();
            any = true;
            if (h.action != null) heldActions--;
            if (closed) continue;
            if (h.action != null) h.action.run();
            else service.output(h.kind, h.instret, h.data, 0, h.data.length);
        }
        if (any) service.flush();
    }

    /** Pushes out what was released (between quanta, and before the loop waits). */
    synchronized void flush() { service.flush(); }

    /** Running alone now, by the arbiter's word: everything held may leave. */
    synchronized void solo(boolean on) {
        solo = on;
        if (on) acked(acked);
    }

    /** Restarts acknowledgement counting for a new backup whose stream starts after {@code seq}. */
    synchronized void paired(long seq) {
        solo = false;
        acked = Math.max(acked, seq);
    }

    /** This primary lost the arbiter: nothing it holds may ever leave. */
    synchronized void discard() {
        closed = true;
        held.clear();
        heldActions = 0;
    }

    synchronized int heldCount() { return held.size(); }

    /** The entry the last held item waits for, or -1 if nothing is held. */
    synchronized long lastHeldSeq() { return held.isEmpty() ? -1 : held.peekLast().seq; }
}
