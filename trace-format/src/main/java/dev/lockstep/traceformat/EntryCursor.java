// A position in a trace's entries that walks forward block by block, checking each block's CRC, its number, and the order between blocks.
package dev.lockstep.traceformat;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Iterates entries in trace order. It holds a Chronicle tailer, so close it (or its trace) when done.
 * If the trace is still being written, the cursor sees blocks flushed after it was made.
 */
public final class EntryCursor implements Iterator<LogEntry>, AutoCloseable {
    /** Blocks fetched per trip to the reader thread. */
    private static final int BATCH_BLOCKS = 64;

    private final Trace trace;
    private final QueueReader reader;
    private final int tailer;
    private final ArrayDeque<byte[]> fetched = new ArrayDeque<>();
    private long nextBlock;
    private long previousLastInstret = -1;
    private List<LogEntry> entries = List.of();
    private int pos;
    private boolean closed;

    EntryCursor(Trace trace, QueueReader reader, long firstBlock, long skipBefore) {
        this.trace = trace;
        this.reader = reader;
        this.nextBlock = firstBlock;
        this.tailer = reader.newTailer(firstBlock, trace.describeBlock(firstBlock));
        try {
            while (hasNext() && entries.get(pos).instret() < skipBefore) {
                pos++;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public boolean hasNext() {
        if (closed) {
            throw new IllegalStateException("this cursor over " + trace + " is closed");
        }
        while (pos == entries.size()) {
            if (!loadNextBlock()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public LogEntry next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no entry after instret " + previousLastInstret + " in " + trace);
        }
        return entries.get(pos++);
    }

    /** The entry {@link #next()} would return, without moving past it. */
    public LogEntry peek() {
        if (!hasNext()) {
            throw new NoSuchElementException("no entry after instret " + previousLastInstret + " in " + trace);
        }
        return entries.get(pos);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            trace.forget(this);
            reader.closeTailer(tailer);
        }
    }

    private boolean loadNextBlock() {
        String where = trace.describeBlock(nextBlock);
        if (fetched.isEmpty()) {
            fetched.addAll(reader.readNext(tailer, BATCH_BLOCKS, where));
        }
        if (fetched.isEmpty()) {
            if (nextBlock < reader.blockCount()) {
                // The queue's index promised this block; a damaged excerpt header must not pass for the end.
                throw new TraceFormatException(where + " cannot be read although the queue lists "
                        + reader.blockCount() + " blocks; the file is damaged.");
            }
            return false;
        }
        List<LogEntry> decoded = Block.decode(fetched.poll(), where, nextBlock);
        long first = decoded.get(0).instret();
        if (first < previousLastInstret) {
            throw new TraceFormatException(where + " is out of order: it starts at instret " + first
                    + ", before the previous block's last instret " + previousLastInstret + ".");
        }
        previousLastInstret = decoded.get(decoded.size() - 1).instret();
        entries = decoded;
        pos = 0;
        nextBlock++;
        return true;
    }
}
