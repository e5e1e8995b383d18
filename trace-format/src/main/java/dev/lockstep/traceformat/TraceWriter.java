// Records a trace: writes the header, buffers entries into blocks appended to the Chronicle Queue, and gives access to the checkpoint store.
package dev.lockstep.traceformat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Writes a new trace directory. Entries are buffered and written as one block when the block is full or on
 * {@link #flush()}; a written block survives the writer's process being killed, so a crash loses at most
 * the entries appended since the last flush. Not thread-safe: one thread (the machine loop's) drives it.
 */
public final class TraceWriter implements AutoCloseable {
    public static final int DEFAULT_ENTRIES_PER_BLOCK = 256;
    /** A block is also cut once its entries pass this many bytes, keeping blocks far under Chronicle's excerpt limit. */
    static final int BLOCK_BYTES_TARGET = 1 << 20;

    private final Path dir;
    private final int entriesPerBlock;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final CheckpointStore checkpoints;
    private final Block.Builder block = new Block.Builder();
    private long lastInstret;
    private long blocksWritten;
    private LogEntry.End end;
    private boolean closed;

    private TraceWriter(Path dir, int entriesPerBlock, SingleChronicleQueue queue, CheckpointStore checkpoints) {
        this.dir = dir;
        this.entriesPerBlock = entriesPerBlock;
        this.queue = queue;
        this.appender = queue.createAppender();
        // The writer may be made on one thread and driven by another; it is still used by one at a time.
        appender.singleThreadedCheckDisabled(true);
        this.checkpoints = checkpoints;
    }

    /** Creates a trace in {@code dir}, which must not exist or be empty, with the default block size. */
    public static TraceWriter create(Path dir, TraceHeader header) {
        return create(dir, header, DEFAULT_ENTRIES_PER_BLOCK);
    }

    public static TraceWriter create(Path dir, TraceHeader header, int entriesPerBlock) {
        return create(dir, header, entriesPerBlock, Queues.DEFAULT_BLOCK_SIZE);
    }

    /** {@code chronicleBlockSize} only sets how Chronicle grows its file; the small golden trace uses a small one. */
    static TraceWriter create(Path dir, TraceHeader header, int entriesPerBlock, long chronicleBlockSize) {
        if (entriesPerBlock < 1) {
            throw new IllegalArgumentException("a block holds at least one entry, not " + entriesPerBlock);
        }
        try {
            if (Files.exists(dir)) {
                if (!Files.isDirectory(dir)) {
                    throw new IllegalArgumentException("cannot record a trace into " + dir + ": it is a file");
                }
                try (Stream<Path> children = Files.list(dir)) {
                    if (children.findAny().isPresent()) {
                        throw new IllegalArgumentException("cannot record a trace into " + dir + ": it is not empty");
                    }
                }
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create trace directory " + dir, e);
        }
        CheckpointStore checkpoints = CheckpointStore.create(dir.resolve(Trace.CHECKPOINTS_DIR), "trace " + dir);
        Queues.create(dir.resolve(Trace.ENTRIES_DIR), chronicleBlockSize);
        // The header goes last: a directory with a header has everything a reader opens.
        HeaderFile.write(dir.resolve(Trace.HEADER_FILE), header);
        SingleChronicleQueue queue = Queues.openForAppend(dir.resolve(Trace.ENTRIES_DIR), chronicleBlockSize);
        try {
            return new TraceWriter(dir, entriesPerBlock, queue, checkpoints);
        } catch (RuntimeException e) {
            queue.close();
            throw e;
        }
    }

    public Path directory() {
        return dir;
    }

    /**
     * Adds an entry. Entries come in non-decreasing instret order, and nothing comes after END; either
     * mistake is an {@link IllegalArgumentException} or {@link IllegalStateException} and the entry is not added.
     */
    public void append(LogEntry entry) {
        checkOpen();
        if (end != null) {
            throw new IllegalStateException("cannot append " + entry + ": the session ended at instret " + end.instret());
        }
        if (entry.instret() < lastInstret) {
            throw new IllegalArgumentException("entry " + entry + " goes back in time: instret " + entry.instret()
                    + " comes after instret " + lastInstret + ", and entries must be in non-decreasing instret order");
        }
        block.add(entry);
        lastInstret = entry.instret();
        if (entry instanceof LogEntry.End e) {
            end = e;
        }
        if (block.count() >= entriesPerBlock || block.size() >= BLOCK_BYTES_TARGET) {
            writeBlock();
        }
    }

    /** Writes the buffered entries as a block, so they survive this process being killed. */
    public void flush() {
        checkOpen();
        if (block.count() > 0) {
            writeBlock();
        }
    }

    /** The instret of the last entry appended (0 before the first). */
    public long lastInstret() {
        return lastInstret;
    }

    /** Blocks written to the queue so far. */
    public long blocksWritten() {
        return blocksWritten;
    }

    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    /** Flushes and closes the queue. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        long end = -1;
        try {
            flush();
            end = Queues.endOfData(queue);
        } finally {
            closed = true;
            appender.close();
            queue.close();
        }
        Queues.trimToData(dir.resolve(Trace.ENTRIES_DIR), end);
    }

    private void writeBlock() {
        // One bulk copy into the mapped file: writeBytes(BytesStore) copies a long at a time, with a check
        // each (~10% of an FT backup's thread); the excerpt written is the same.
        byte[] b = block.finish(blocksWritten);
        try (DocumentContext dc = appender.writingDocument()) {
            dc.wire().bytes().write(b, 0, b.length);
        }
        blocksWritten++;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the writer of trace " + dir + " is closed");
        }
    }
}
