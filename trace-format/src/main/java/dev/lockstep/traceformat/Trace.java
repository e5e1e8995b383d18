// A recorded trace opened for reading: its header, its entries (in order, or from any instruction number), and its checkpoints.
package dev.lockstep.traceformat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A trace directory (docs/trace-format.md): {@code header}, {@code entries/} (a Chronicle Queue of blocks of
 * entries) and {@code checkpoints/}. A trace cut off by a crash opens and reads up to its last complete
 * block; anything damaged, foreign or too new is a {@link TraceFormatException} with one sentence saying
 * what and where. Every block's CRC is checked whenever it is read. Not thread-safe; close it when done,
 * which also closes its cursors.
 */
public final class Trace implements AutoCloseable {
    /** The trace format this lockstep writes and reads; see the versioning policy in docs/trace-format.md. */
    public static final int FORMAT_VERSION = 1;

    static final String HEADER_FILE = "header";
    static final String ENTRIES_DIR = "entries";
    static final String CHECKPOINTS_DIR = "checkpoints";

    private final Path dir;
    private final TraceHeader header;
    private final CheckpointStore checkpoints;
    private final QueueReader reader;
    /** The tailer the binary search moves around. */
    private final int probe;
    private final Set<EntryCursor> cursors = new HashSet<>();
    private boolean closed;

    private Trace(Path dir, TraceHeader header, CheckpointStore checkpoints, QueueReader reader) {
        this.dir = dir;
        this.header = header;
        this.checkpoints = checkpoints;
        this.reader = reader;
        this.probe = reader.newTailer(0, describeBlock(0));
    }

    /** Opens the trace in {@code dir}, checking its header (magic, version, CRC, image hashes) and its queue files. */
    public static Trace open(Path dir) {
        if (!Files.exists(dir)) {
            throw new TraceFormatException("There is no trace at " + dir + ": it does not exist.");
        }
        if (!Files.isDirectory(dir)) {
            throw new TraceFormatException(dir + " is a file, not a trace directory.");
        }
        try (Stream<Path> children = Files.list(dir)) {
            if (children.findAny().isEmpty()) {
                throw new TraceFormatException("Directory " + dir + " is empty, not a lockstep trace.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        if (!Files.isRegularFile(dir.resolve(HEADER_FILE))) {
            throw new TraceFormatException("Directory " + dir + " is not a lockstep trace: it has no header file.");
        }
        TraceHeader header = HeaderFile.read(dir.resolve(HEADER_FILE));
        CheckpointStore checkpoints = CheckpointStore.open(dir.resolve(CHECKPOINTS_DIR), "trace " + dir);
        QueueReader reader = QueueReader.open(dir.resolve(ENTRIES_DIR), "trace " + dir);
        try {
            return new Trace(dir, header, checkpoints, reader);
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    public Path directory() {
        return dir;
    }

    public TraceHeader header() {
        return header;
    }

    /**
     * The bytes of the named guest image. An embedded image was verified when the trace opened; a
     * referenced one is read now (a relative path from the trace directory) and checked against its
     * recorded size and SHA-256.
     */
    public byte[] imageBytes(String name) {
        GuestImage image = header.image(name).orElseThrow(
                () -> new IllegalArgumentException("trace " + dir + " has no guest image named " + name));
        if (image instanceof GuestImage.Embedded e) {
            return e.bytes();
        }
        GuestImage.Referenced r = (GuestImage.Referenced) image;
        Path file = dir.resolve(r.path());
        String what = "Guest image \"" + name + "\" of trace " + dir + " refers to " + file;
        if (!Files.isRegularFile(file)) {
            throw new TraceFormatException(what + ", which does not exist.");
        }
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size != r.size()) {
                throw new TraceFormatException(what + ", which has " + size + " bytes instead of the recorded " + r.size() + ".");
            }
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(what + ", which is too large to load into memory");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (bytes.length != r.size() || !Arrays.equals(sha256(bytes), r.sha256())) {
            throw new TraceFormatException(what + ", whose SHA-256 differs from the recorded one: the file changed since recording.");
        }
        return bytes;
    }

    /** Blocks in the trace when it was opened; a block holds up to a few hundred entries. */
    public long blockCount() {
        return reader.blockCount();
    }

    /** All entries in order, from the first. */
    public EntryCursor entries() {
        return cursorAt(0, 0);
    }

    /**
     * A cursor at the first entry whose instret is at least {@code instret} (at the end if none is). Finds
     * the block by binary search over the queue's indices: O(log blocks) block reads, no scan.
     */
    public EntryCursor firstEntryAtOrAfter(long instret) {
        checkOpen();
        long lo = 0;
        long hi = reader.blockCount();
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (Block.header(reader.readAt(probe, mid, describeBlock(mid)), describeBlock(mid), mid).lastInstret() >= instret) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return cursorAt(lo, instret);
    }

    /** How many entries of each type the trace holds (reads every block). */
    public Map<EntryType, Long> countsByType() {
        Map<EntryType, Long> counts = new EnumMap<>(EntryType.class);
        try (EntryCursor c = entries()) {
            while (c.hasNext()) {
                counts.merge(c.next().type(), 1L, Long::sum);
            }
        }
        return counts;
    }

    /** The instret at which the session ended, or of its last entry if it was cut off; 0 for an empty trace. */
    public long totalInstructions() {
        return lastEntry().map(LogEntry::instret).orElse(0L);
    }

    /** The END entry, if the session ended cleanly rather than being cut off. */
    public Optional<LogEntry.End> end() {
        return lastEntry().filter(e -> e instanceof LogEntry.End).map(e -> (LogEntry.End) e);
    }

    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EntryCursor c : new ArrayList<>(cursors)) {
            c.close();
        }
        reader.close();
    }

    @Override
    public String toString() {
        return "trace " + dir;
    }

    private Optional<LogEntry> lastEntry() {
        checkOpen();
        long last = reader.blockCount() - 1;
        if (last < 0) {
            return Optional.empty();
        }
        List<LogEntry> entries = Block.decode(reader.readAt(probe, last, describeBlock(last)), describeBlock(last), last);
        return Optional.of(entries.get(entries.size() - 1));
    }

    private EntryCursor cursorAt(long block, long skipBefore) {
        checkOpen();
        EntryCursor cursor = new EntryCursor(this, reader, block, skipBefore);
        cursors.add(cursor);
        return cursor;
    }

    void forget(EntryCursor cursor) {
        cursors.remove(cursor);
    }

    /** Names a block for error messages: its ordinal, which is also its queue index, and its file. */
    String describeBlock(long block) {
        return "Block " + block + " of " + dir.resolve(ENTRIES_DIR).resolve(Queues.CYCLE_FILE);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
