// Reads a trace's Chronicle Queue on a thread of its own, with a time limit on every call, so a damaged queue file can never hang the caller.
package dev.lockstep.traceformat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Why a thread: Chronicle reads its file through memory mappings. When a damaged index sends it past the
 * end of the file, the JVM turns the fault into an InternalError that may surface only later, and until
 * then compiled code can run on with garbage, even loop. Running every Chronicle call on this reader's
 * thread and waiting with a time limit turns that case into a {@link TraceFormatException} too; the block
 * numbers and CRCs catch any garbage that comes back. Blocks are fetched in batches, so the hand-off
 * costs little per entry. The thread ends when the reader is closed.
 */
final class QueueReader implements AutoCloseable {
    static final long OPEN_TIMEOUT_MS = 60_000;
    static final long CALL_TIMEOUT_MS = 20_000;
    /** A batch stops after this many bytes of blocks, so a cursor holds little memory. */
    private static final int BATCH_BYTES = 4 << 20;

    private final String trace;
    private final long callTimeoutMs;
    private final ExecutorService thread;
    /** Touched only on {@link #thread}. */
    private final Map<Integer, ExcerptTailer> tailers = new HashMap<>();
    private SingleChronicleQueue queue;
    private long firstIndex;
    private long blockCount;
    private int nextTailer;
    private boolean broken;
    private boolean closed;
    private volatile Thread worker;

    private QueueReader(String trace, long callTimeoutMs) {
        this.trace = trace;
        this.callTimeoutMs = callTimeoutMs;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lockstep-trace-reader");
            t.setDaemon(true);
            worker = t;
            return t;
        });
    }

    /** Opens the queue after checking its files without Chronicle (see {@link Queues#validate}). */
    static QueueReader open(Path entriesDir, String trace) {
        Queues.validate(entriesDir, trace);
        QueueReader reader = new QueueReader(trace, CALL_TIMEOUT_MS);
        try {
            reader.call("The entries of " + trace + " cannot be opened; the queue file is damaged", OPEN_TIMEOUT_MS, () -> {
                reader.queue = Queues.openForRead(entriesDir);
                long first = reader.queue.firstIndex();
                long last = reader.queue.lastIndex();
                if (last >= 0 && last >= first) {
                    if (reader.queue.firstCycle() != reader.queue.lastCycle()) {
                        throw new TraceFormatException("The entries of " + trace + " span Chronicle cycles "
                                + reader.queue.firstCycle() + ".." + reader.queue.lastCycle()
                                + ", but a lockstep trace keeps all its entries in one cycle file.");
                    }
                    reader.firstIndex = first;
                    reader.blockCount = last - first + 1;
                }
                return null;
            });
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
        return reader;
    }

    /** Blocks in the queue when it was opened. */
    long blockCount() {
        return blockCount;
    }

    /** A new tailer positioned at {@code block}, or at the end if {@code block} is at or past the last one. */
    int newTailer(long block, String where) {
        return call(where + " cannot be reached; the queue file is truncated or damaged", callTimeoutMs, () -> {
            ExcerptTailer tailer = queue.createTailer();
            try {
                moveTo(tailer, block, where);
            } catch (RuntimeException e) {
                tailer.close();
                throw e;
            }
            int id = nextTailer++;
            tailers.put(id, tailer);
            return id;
        });
    }

    /** The block at {@code block}, read through tailer {@code id} (which is left after it). */
    byte[] readAt(int id, long block, String where) {
        List<byte[]> one = call(where + " cannot be read; the queue file is truncated or damaged", callTimeoutMs, () -> {
            ExcerptTailer tailer = tailers.get(id);
            moveTo(tailer, block, where);
            return readBatch(tailer, 1);
        });
        if (one.isEmpty()) {
            throw new TraceFormatException(where + " is missing although the queue lists " + blockCount + " blocks.");
        }
        return one.get(0);
    }

    /** The next blocks under tailer {@code id}, up to {@code max} of them; empty at the end of the queue. */
    List<byte[]> readNext(int id, int max, String where) {
        return call(where + " cannot be read; the queue file is truncated or damaged", callTimeoutMs,
                () -> readBatch(tailers.get(id), max));
    }

    void closeTailer(int id) {
        if (!broken && !closed) {
            call("A cursor over " + trace + " cannot be closed", callTimeoutMs, () -> {
                ExcerptTailer tailer = tailers.remove(id);
                if (tailer != null) {
                    tailer.close();
                }
                return null;
            });
        }
    }

    /** Closes every tailer and the queue, and ends the reader's thread (unless Chronicle is stuck in it). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (!broken) {
            try {
                call("The entries of " + trace + " cannot be closed", callTimeoutMs, () -> {
                    tailers.values().forEach(ExcerptTailer::close);
                    tailers.clear();
                    if (queue != null) {
                        queue.close();
                    }
                    return null;
                });
            } catch (TraceFormatException e) {
                // Closing a damaged queue may fail; there is nothing left to release that the thread's end does not.
            }
        }
        closed = true;
        thread.shutdownNow();
        try {
            thread.awaitTermination(callTimeoutMs, TimeUnit.MILLISECONDS);
            // The executor counts as terminated a moment before its thread has exited; wait for that too.
            Thread t = worker;
            if (t != null) t.join(callTimeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void moveTo(ExcerptTailer tailer, long block, String where) {
        if (block < blockCount) {
            if (!tailer.moveToIndex(firstIndex + block)) {
                throw new TraceFormatException(where + " is missing although the queue lists " + blockCount + " blocks.");
            }
        } else {
            tailer.toEnd();
        }
    }

    private static List<byte[]> readBatch(ExcerptTailer tailer, int max) {
        List<byte[]> blocks = new ArrayList<>();
        long bytes = 0;
        while (blocks.size() < max && bytes < BATCH_BYTES) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    break;
                }
                long length = dc.wire().bytes().readRemaining();
                if (length > Integer.MAX_VALUE - 8) {
                    throw new TraceFormatException("An excerpt of the queue claims " + length + " bytes.");
                }
                byte[] b = new byte[(int) length];
                dc.wire().bytes().read(b);
                blocks.add(b);
                bytes += length;
            }
        }
        return blocks;
    }

    /** Runs {@code action} on the reader's thread and waits at most {@code timeoutMs} for it. */
    <T> T call(String problem, long timeoutMs, Callable<T> action) {
        if (closed) {
            throw new IllegalStateException("the entries of " + trace + " are closed");
        }
        if (broken) {
            throw new TraceFormatException(problem + ": Chronicle Queue stopped answering on an earlier read, so the file is damaged.");
        }
        Future<T> result = thread.submit(action);
        try {
            return result.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            broken = true;
            result.cancel(true);
            throw new TraceFormatException(problem + ": Chronicle Queue did not answer within " + timeoutMs / 1000.0
                    + " s, which only a damaged file explains.", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TraceFormatException tfe) {
                throw tfe;
            }
            if (cause instanceof Error && !(cause instanceof InternalError) && !(cause instanceof AssertionError)) {
                throw (Error) cause;
            }
            throw Queues.damaged(problem, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + trace, e);
        }
    }

    /** For tests: a reader whose calls give up after {@code callTimeoutMs}. */
    static QueueReader forTest(String trace, long callTimeoutMs) {
        return new QueueReader(trace, callTimeoutMs);
    }
}
