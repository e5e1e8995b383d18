// Which guest writes are durable on the shared disk, and when to flush for the backup's window and the redo journal's room.
package dev.lockstep.liveft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * A primary's count of writes durable on the shared image. Output behind a guest's flush does not wait
 * for the image (under REPLICA it waits for nothing more than the ack, under DISK for the redo journal),
 * so the backup keeps each write (to write it again if it goes live) until the primary says a flush has
 * made it durable: the count sent in every batch. Writes are numbered in the order the guest issued them
 * and reach the disk in that order ({@link #started}); a flush ({@link #flush}) is queued behind the writes
 * started before it, and once done they count as durable. So that the backup's window (and the journal's
 * ring) stays bounded when the guest does not flush, this flushes by itself once {@code maxUndurable}
 * writes or {@link #MAX_UNDURABLE_BYTES} are not durable, or when the journal wants room; each new count
 * goes to {@code onDurable} (the journal frees the records it covers).
 */
final class DurableWrites {
    private final Supplier<CompletableFuture<Void>> force;
    private final Consumer<Throwable> failed;
    private final int maxUndurable;
    private volatile long started;
    private final AtomicLong durable = new AtomicLong();
    /** Bytes of the writes started, and of those durable, since this count began. */
    private volatile long startedBytes;
    private final AtomicLong durableBytes = new AtomicLong();

    /** Bytes not durable that make a flush (the backup keeps them in memory; the journal's ring is larger). */
    static final long MAX_UNDURABLE_BYTES = 16L << 20;
    private final BooleanSupplier urgent;
    private final LongConsumer onDurable;
    private volatile boolean forcing;

    /**
     * @param force flushes the disk behind the writes queued so far (it must not overtake them)
     * @param failed told of a flush that failed; nothing counts as durable after it
     * @param urgent whether a flush is wanted now whatever the count (the journal has no room)
     * @param onDurable told each new count of durable writes
     */
    DurableWrites(Supplier<CompletableFuture<Void>> force, Consumer<Throwable> failed, int maxUndurable,
            BooleanSupplier urgent, LongConsumer onDurable) {
        this.force = force;
        this.failed = failed;
        this.maxUndurable = maxUndurable;
        this.urgent = urgent;
        this.onDurable = onDurable;
    }

    DurableWrites(Supplier<CompletableFuture<Void>> force, Consumer<Throwable> failed, int maxUndurable) {
        this(force, failed, maxUndurable, () -> false, n -> { });
    }

    /** Guest write {@code index}, of {@code bytes}, has been handed to the disk, after every write before it. */
    void started(long index, int bytes) {
        startedBytes += bytes; // one thread at a time starts writes: the gate's releasing thread or the loop
        if (index + 1 > started) started = index + 1;
        if ((started - durable.get() >= maxUndurable || startedBytes - durableBytes.get() >= MAX_UNDURABLE_BYTES
                || urgent.getAsBoolean()) && !forcing) {
            flush();
        }
    }

    /** Flushes if writes started are not durable and no flush is under way (the journal wants room). */
    void flushIfUndurable() {
        if (started > durable.get() && !forcing) flush();
    }

    /** Flushes behind the writes started so far, which count as durable once it is done (the future says when). */
    CompletableFuture<Void> flush() {
        long covered = started, coveredBytes = startedBytes;
        forcing = true;
        CompletableFuture<Void> f = force.get();
        f.whenComplete((v, e) -> {
            forcing = false;
            if (e != null) {
                failed.accept(e);
                return;
            }
            durable.accumulateAndGet(covered, Math::max);
            durableBytes.accumulateAndGet(coveredBytes, Math::max);
            onDurable.accept(durable.get());
            if (urgent.getAsBoolean()) flushIfUndurable();
        });
        return f;
    }

    /**
     * Flushes behind every write started so far and waits for it (a failed flush throws its
     * CompletionException); then the first {@code n} writes, all issued, count as durable.
     */
    void flushAndWait(long n) {
        force.get().join();
        durableUpTo(n);
    }

    /**
     * The first {@code n} writes are durable (a new backup starts its window at write {@code n}, after a
     * flush has completed): counting goes on from there.
     */
    void durableUpTo(long n) {
        if (n >= started) durableBytes.accumulateAndGet(startedBytes, Math::max); // every write started is durable
        if (n > started) started = n;
        durable.accumulateAndGet(n, Math::max);
        onDurable.accept(durable.get());
    }

    /** How many of the first writes were handed to the disk. */
    long started() { return started; }

    /** How many of the first writes are durable: the backup may forget them. */
    long durable() { return durable.get(); }
}
