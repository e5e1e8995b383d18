// Everything this module asks of Chronicle Queue, in one place: the settings that make entries/ one deterministic file, and the checks that keep Chronicle from seeing a file it would choke on.
package dev.lockstep.traceformat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.wire.DocumentContext;

final class Queues {
    /**
     * Chronicle names and rolls its files by a clock. Ours always says 1970-01-01T00:00Z, so the queue is
     * one cycle file whose name and bytes do not depend on when the session ran, and never rolls.
     */
    private static final TimeProvider EPOCH = () -> 0L;
    /** A daily cycle with 2^37 excerpts (blocks) in its one file, and an index every 128 of them. */
    static final RollCycle ROLL_CYCLE = LargeRollCycles.LARGE_DAILY;
    static final String CYCLE_FILE = "19700101L.cq4";
    static final String METADATA_FILE = "metadata.cq4t";
    /** Chronicle maps its file in chunks of this size; an excerpt must stay under a quarter of it. */
    static final long DEFAULT_BLOCK_SIZE = 64L << 20;
    /** A metadata excerpt written at creation, so the cycle file exists (complete) before any entry is logged. */
    static final byte[] MARKER = "lockstep-entries".getBytes(StandardCharsets.US_ASCII);

    private static final int NOT_COMPLETE = 0x80000000;
    private static final int META_DATA = 0x40000000;
    private static final int LENGTH_MASK = 0x3FFFFFFF;

    static {
        // Chronicle starts a resource-releaser thread and a disk-space poller on first use, and both would
        // outlive every queue we close. These properties make it release resources on the closing thread
        // and not poll; they only take effect if set before Chronicle's classes initialise, which is why
        // every queue in this module is built through this class. A user's own -D setting wins.
        setIfAbsent("background.releaser", "false");
        setIfAbsent("chronicle.disk.monitor.disable", "true");
        setIfAbsent("chronicle.announcer.disable", "true");
    }

    private Queues() {}

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Creates the queue under a temporary name and renames it into place once its metadata and cycle file
     * are complete, so a writer killed during creation never leaves a half-made queue for Chronicle to wait on.
     */
    static void create(Path entriesDir, long blockSize) {
        Path tmp = entriesDir.resolveSibling(entriesDir.getFileName() + ".tmp");
        try (SingleChronicleQueue queue = builder(tmp).blockSize(blockSize).build();
             ExcerptAppender appender = queue.createAppender()) {
            try (DocumentContext dc = appender.writingDocument(true)) {
                dc.wire().bytes().write(MARKER);
            }
        }
        try {
            Files.move(tmp, entriesDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + tmp + " to " + entriesDir, e);
        }
        AtomicFiles.forceDirectory(entriesDir.getParent());
    }

    static SingleChronicleQueue openForAppend(Path entriesDir, long blockSize) {
        return builder(entriesDir).blockSize(blockSize).build();
    }

    /** Opens a queue for reading; call {@link #validate} first, and only from a {@link QueueReader}'s thread. */
    static SingleChronicleQueue openForRead(Path entriesDir) {
        return builder(entriesDir).readOnly(true).blockSize(DEFAULT_BLOCK_SIZE).build();
    }

    private static SingleChronicleQueueBuilder builder(Path dir) {
        return SingleChronicleQueueBuilder.binary(dir).rollCycle(ROLL_CYCLE).timeProvider(EPOCH);
    }

    /** The file offset just past the queue's last excerpt, or -1 if Chronicle cannot say. */
    static long endOfData(SingleChronicleQueue queue) {
        long last = queue.lastIndex();
        if (last < 0) {
            return -1;
        }
        try (ExcerptTailer tailer = queue.createTailer()) {
            tailer.singleThreadedCheckDisabled(true);
            if (!tailer.moveToIndex(last)) {
                return -1;
            }
            try (DocumentContext dc = tailer.readingDocument()) {
                return dc.isPresent() ? dc.wire().bytes().readLimit() : -1;
            }
        }
    }

    /**
     * Chronicle grows its cycle file a mapping chunk at a time (64 MiB plus overlap) and never gives the
     * space back, so a closed trace of a few kilobytes would look like 80 MB to {@code ls}, and to every
     * copy that is not sparse-aware (scp, zip, a plain cp onto some file systems). A writer that closes
     * cleanly therefore cuts the file back to its data plus a zero page (a reader probes the header word
     * just past the last excerpt). A writer that dies is not trimmed, which costs only apparent size.
     */
    static void trimToData(Path entriesDir, long end) {
        if (end <= 0) {
            return;
        }
        long keep = (end + TRIM_PAGE) / TRIM_PAGE * TRIM_PAGE + TRIM_PAGE;
        try (FileChannel ch = FileChannel.open(entriesDir.resolve(CYCLE_FILE), StandardOpenOption.WRITE)) {
            if (ch.size() > keep) {
                ch.truncate(keep);
                ch.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot trim " + entriesDir.resolve(CYCLE_FILE), e);
        }
    }

    private static final long TRIM_PAGE = 4096;

    /**
     * Whatever Chronicle throws on a damaged file, as one clear sentence. That includes checked exceptions
     * (Chronicle rethrows them undeclared, e.g. StreamCorruptedException), its own failed assertions, and
     * {@link InternalError}: a read past the end of a truncated memory-mapped file raises SIGBUS, which
     * the JVM reports as an InternalError in the reading thread.
     */
    static TraceFormatException damaged(String problem, Throwable e) {
        return new TraceFormatException(problem + " (Chronicle Queue reports " + summary(e) + ").", e);
    }

    /** The innermost cause's class and the first line of its message: Chronicle's messages can hold hex dumps. */
    private static String summary(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage().strip().lines().findFirst().orElse("")
                .replaceAll("[\\p{Cntrl}\\x{80}-\\x{9f}]", "?");
        if (message.length() > 120) {
            message = message.substring(0, 120) + "...";
        }
        return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }

    /** The checks that make Chronicle fail fast: without them it waits seconds on a bad header, or throws odd errors. */
    static void validate(Path entriesDir, String trace) {
        if (!Files.isDirectory(entriesDir)) {
            throw new TraceFormatException("The " + trace + " has no entries/ directory; it is incomplete or not a lockstep trace.");
        }
        checkQueueFile(entriesDir.resolve(METADATA_FILE), "STStore");
        boolean haveCycleFile = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(entriesDir, "*.cq4")) {
            for (Path f : files) {
                if (!f.getFileName().toString().equals(CYCLE_FILE)) {
                    throw new TraceFormatException(f + " does not belong in a lockstep trace, whose entries all live in "
                            + CYCLE_FILE + ".");
                }
                haveCycleFile = true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + entriesDir, e);
        }
        if (!haveCycleFile) {
            throw new TraceFormatException("The " + trace + " has no entries file " + entriesDir.resolve(CYCLE_FILE) + ".");
        }
        checkQueueFile(entriesDir.resolve(CYCLE_FILE), "SCQStore");
    }

    /**
     * A Chronicle file starts with a complete metadata document: a u32 header word (length in the low 30
     * bits, bit 30 = metadata, bit 31 = still being written) and the binary-wire text
     * {@code header: !<type> ...}, i.e. 0xB9 0x06 "header" 0xB6 len type.
     */
    private static void checkQueueFile(Path file, String type) {
        if (!Files.isRegularFile(file)) {
            throw new TraceFormatException("The entries queue file " + file + " is missing.");
        }
        byte[] start = new byte[14 + type.length()];
        long size;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            ByteBuffer buf = ByteBuffer.wrap(start);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // keep reading until the prefix is full or the file ends
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (size < start.length) {
            throw new TraceFormatException("The entries queue file " + file + " is truncated: it has only " + size + " bytes.");
        }
        int header = (start[0] & 0xFF) | (start[1] & 0xFF) << 8 | (start[2] & 0xFF) << 16 | (start[3] & 0xFF) << 24;
        String expected = "header" + (char) 0xB6 + (char) type.length() + type;
        boolean named = (start[4] & 0xFF) == 0xB9 && start[5] == 6
                && new String(start, 6, start.length - 6, StandardCharsets.ISO_8859_1).equals(expected);
        boolean blank = true;
        for (int i = 4; i < start.length; i++) {
            blank &= start[i] == 0;
        }
        if (!named && !blank) {
            throw new TraceFormatException("The entries queue file " + file + " is not a Chronicle Queue " + type
                    + " file: its first bytes are not a queue header.");
        }
        if (header == 0 || (header & NOT_COMPLETE) != 0 || blank) {
            throw new TraceFormatException("The entries queue file " + file + " has an unfinished header; its writer died creating it.");
        }
        int length = header & LENGTH_MASK;
        if ((header & META_DATA) == 0 || length < start.length - 4 || length > size - 4) {
            throw new TraceFormatException("The entries queue file " + file + " is not a Chronicle Queue " + type
                    + " file: its header word " + Block.hex(header) + " does not frame a queue header.");
        }
    }
}
