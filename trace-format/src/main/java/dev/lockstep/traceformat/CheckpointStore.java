// The trace's checkpoints/ directory: full and delta snapshots of the machine, an index of them, and the walk that rebuilds a snapshot from a delta chain.
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.zip.CRC32C;

/**
 * Stores machine snapshots. A full checkpoint holds every RAM page; a delta holds only the pages changed
 * since the previous checkpoint and names it as its base, so taking one costs what changed, not all of
 * RAM. The {@code index} file lists (id, instret, base) for every checkpoint so opening never reads them;
 * a missing or damaged index, or one a crash left behind its files, is rebuilt from the files' headers.
 */
public final class CheckpointStore {
    static final String INDEX_FILE = "index";
    static final byte[] INDEX_MAGIC = "LSCKIDX\0".getBytes(StandardCharsets.US_ASCII);
    static final int INDEX_HEADER_BYTES = 12;
    static final int INDEX_RECORD_BYTES = 28;

    private final Path dir;
    private final String trace;
    private final boolean writable;
    /** By id; ids are dense from 1 in a store this module wrote, but a reader does not rely on that. */
    private final TreeMap<Long, CheckpointInfo> byId = new TreeMap<>();
    /** The shape of the previous checkpoint written, which a delta must share. */
    private CheckpointFile.Header previous;

    private CheckpointStore(Path dir, String trace, boolean writable) {
        this.dir = dir;
        this.trace = trace;
        this.writable = writable;
    }

    /** A new, empty, writable store. */
    static CheckpointStore create(Path dir, String trace) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        ByteSink head = new ByteSink(INDEX_HEADER_BYTES);
        head.bytes(INDEX_MAGIC);
        head.u16(Trace.FORMAT_VERSION);
        head.u16(0);
        AtomicFiles.write(dir.resolve(INDEX_FILE), head.toByteArray());
        return new CheckpointStore(dir, trace, true);
    }

    /** An existing store, for reading. */
    static CheckpointStore open(Path dir, String trace) {
        if (!Files.isDirectory(dir)) {
            throw new TraceFormatException("The " + trace + " has no checkpoints/ directory; it is incomplete or not a lockstep trace.");
        }
        CheckpointStore store = new CheckpointStore(dir, trace, false);
        store.load();
        return store;
    }

    /**
     * Stores a checkpoint and returns its id.
     *
     * @param instret the instruction number the snapshot was taken at
     * @param machineState the machine's state apart from RAM, opaque here
     * @param pageSize bytes per RAM page
     * @param ramSize bytes of RAM, a multiple of {@code pageSize}
     * @param pageContent the current content of a page, asked only for the pages stored
     * @param changedPages for a delta, the pages changed since the previous checkpoint (ignored for a full one)
     * @param full whether to store every page rather than a delta on the previous checkpoint
     */
    public long writeCheckpoint(long instret, byte[] machineState, int pageSize, long ramSize,
            IntFunction<byte[]> pageContent, int[] changedPages, boolean full) {
        if (!writable) {
            throw new IllegalStateException("the checkpoints of " + trace + " were opened for reading");
        }
        if (instret < 0) {
            throw new IllegalArgumentException("instruction number " + instret + " is negative");
        }
        if (pageSize <= 0 || pageSize > CheckpointFile.MAX_PAGE_SIZE || ramSize < 0 || ramSize % pageSize != 0
                || ramSize / pageSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("RAM of " + ramSize + " bytes is not a whole number of " + pageSize + "-byte pages");
        }
        int pageCount = (int) (ramSize / pageSize);
        int[] pages;
        long baseId;
        if (full) {
            pages = new int[pageCount];
            Arrays.setAll(pages, i -> i);
            baseId = 0;
        } else {
            if (previous == null) {
                throw new IllegalStateException("a delta checkpoint needs a previous checkpoint; write a full one first");
            }
            if (previous.pageSize() != pageSize || previous.ramSize() != ramSize) {
                throw new IllegalArgumentException("a delta checkpoint must have the previous checkpoint's page size and RAM size");
            }
            pages = Arrays.stream(changedPages).sorted().distinct().toArray();
            if (pages.length > 0 && (pages[0] < 0 || pages[pages.length - 1] >= pageCount)) {
                throw new IllegalArgumentException("changed pages must lie in 0.." + (pageCount - 1));
            }
            baseId = previous.id();
        }
        long id = byId.isEmpty() ? 1 : byId.lastKey() + 1;
        CheckpointFile.Header h = new CheckpointFile.Header(id, instret, baseId, pageSize, ramSize, pages.length, machineState.length);
        CheckpointFile.write(dir.resolve(CheckpointFile.fileName(id)), h, machineState, pageContent, pages);
        appendIndexRecord(new CheckpointInfo(id, instret, baseId));
        byId.put(id, new CheckpointInfo(id, instret, baseId));
        previous = h;
        return id;
    }

    /** Rebuilds checkpoint {@code id} in full, walking back through its deltas to the full checkpoint under them. */
    public Checkpoint readCheckpoint(long id) {
        CheckpointInfo target = byId.get(id);
        if (target == null) {
            throw new IllegalArgumentException(trace + " has no checkpoint " + id);
        }
        Rebuild rebuild = new Rebuild(id);
        byte[] state = null;
        for (CheckpointInfo at = target; ; ) {
            Path file = dir.resolve(CheckpointFile.fileName(at.id()));
            String where = "Checkpoint " + at.id() + " (" + file + ")";
            if (!Files.isRegularFile(file)) {
                throw new TraceFormatException(where + " is missing" + (at == target ? "" : ", and checkpoint " + id
                        + " is a delta built on it") + ".");
            }
            rebuild.expect(at, where);
            byte[] s = CheckpointFile.read(file, where, rebuild);
            if (state == null) {
                state = s;
            }
            if (at.isFull() || rebuild.missing == 0) {
                break;
            }
            CheckpointInfo base = byId.get(at.baseId());
            if (base == null) {
                throw new TraceFormatException(where + " is a delta on checkpoint " + at.baseId() + ", which the " + trace + " does not have.");
            }
            at = base;
        }
        if (rebuild.missing != 0) {
            throw new TraceFormatException("Checkpoint " + id + " of " + trace + " cannot be rebuilt: "
                    + rebuild.missing + " pages are in no file of its chain.");
        }
        return new Checkpoint(id, target.instret(), state, rebuild.first.pageSize(), rebuild.first.ramSize(), rebuild.pages);
    }

    /** Every checkpoint, by instret (then id). */
    public List<CheckpointInfo> list() {
        List<CheckpointInfo> all = new ArrayList<>(byId.values());
        all.sort(Comparator.comparingLong(CheckpointInfo::instret).thenComparingLong(CheckpointInfo::id));
        return all;
    }

    /** The checkpoint closest before (or at) {@code instret}: where a seek to it starts replaying. */
    public Optional<CheckpointInfo> latestAtOrBefore(long instret) {
        CheckpointInfo best = null;
        for (CheckpointInfo c : byId.values()) {
            if (c.instret() <= instret && (best == null || c.instret() > best.instret()
                    || c.instret() == best.instret() && c.id() > best.id())) {
                best = c;
            }
        }
        return Optional.ofNullable(best);
    }

    private void appendIndexRecord(CheckpointInfo info) {
        byte[] r = record(info);
        try (FileChannel ch = FileChannel.open(dir.resolve(INDEX_FILE), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(r));
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + dir.resolve(INDEX_FILE), e);
        }
    }

    static byte[] record(CheckpointInfo info) {
        ByteSink r = new ByteSink(INDEX_RECORD_BYTES);
        r.u64(info.id());
        r.u64(info.instret());
        r.u64(info.baseId());
        CRC32C crc = new CRC32C();
        crc.update(r.array(), 0, r.size());
        r.u32((int) crc.getValue());
        return r.toByteArray();
    }

    /**
     * Reads the index; a torn last record (the writer died appending it) is ignored. Then every checkpoint
     * file the index lacks, which a crash between publishing a file and indexing it leaves, is added from
     * its own header. If the index itself is damaged, it is rebuilt from the files alone.
     */
    private void load() {
        Path index = dir.resolve(INDEX_FILE);
        boolean indexUsable = false;
        if (Files.isRegularFile(index)) {
            try {
                byte[] b = Files.readAllBytes(index);
                indexUsable = b.length >= INDEX_HEADER_BYTES && Arrays.equals(b, 0, 8, INDEX_MAGIC, 0, 8)
                        && (b[8] & 0xFF | (b[9] & 0xFF) << 8) == Trace.FORMAT_VERSION;
                for (int at = INDEX_HEADER_BYTES; indexUsable && at + INDEX_RECORD_BYTES <= b.length; at += INDEX_RECORD_BYTES) {
                    ByteSource in = ByteSource.of(b, at, INDEX_RECORD_BYTES, "The checkpoint index " + index);
                    CheckpointInfo info = new CheckpointInfo(in.u64(), in.u64(), in.u64());
                    CRC32C crc = new CRC32C();
                    crc.update(b, at, INDEX_RECORD_BYTES - 4);
                    indexUsable = (int) crc.getValue() == in.u32() && info.id() > 0 && info.instret() >= 0
                            && info.baseId() >= 0 && info.baseId() < info.id();
                    if (indexUsable) {
                        byId.put(info.id(), info);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + index, e);
            }
        }
        if (!indexUsable) {
            byId.clear();
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.ckpt")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String digits = name.substring(0, name.length() - ".ckpt".length());
                if (!digits.matches("[0-9]{1,19}")) {
                    continue;
                }
                long id = Long.parseLong(digits);
                if (!byId.containsKey(id)) {
                    try {
                        CheckpointFile.Header h = CheckpointFile.readHeader(f, "Checkpoint " + id + " (" + f + ")");
                        if (h.id() == id) {
                            byId.put(id, new CheckpointInfo(id, h.instret(), h.baseId()));
                        }
                    } catch (TraceFormatException e) {
                        // A file whose header is unreadable cannot be used; it is left out, and a delta
                        // built on it reports the gap when read.
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Collects pages along a delta chain: the newest version of each page wins, older files only fill gaps. */
    private static final class Rebuild implements CheckpointFile.Reader {
        private final long id;
        private CheckpointInfo expected;
        private String where;
        private CheckpointFile.Header first;
        private byte[][] pages;
        private boolean[] have;
        private int missing;

        Rebuild(long id) {
            this.id = id;
        }

        void expect(CheckpointInfo info, String where) {
            this.expected = info;
            this.where = where;
        }

        @Override
        public void header(CheckpointFile.Header h) {
            if (h.id() != expected.id() || h.instret() != expected.instret() || h.baseId() != expected.baseId()) {
                throw new TraceFormatException(where + " does not match the checkpoint index: the file is checkpoint "
                        + h.id() + " at instret " + h.instret() + " on base " + h.baseId() + ".");
            }
            if (first == null) {
                first = h;
                pages = new byte[h.pageCount()][];
                have = new boolean[h.pageCount()];
                missing = h.pageCount();
            } else if (h.pageSize() != first.pageSize() || h.ramSize() != first.ramSize()) {
                throw new TraceFormatException(where + " has a different RAM shape from checkpoint " + id
                        + ", which is a delta built on it.");
            }
        }

        @Override
        public void page(int index, byte[] content) {
            if (!have[index]) {
                have[index] = true;
                missing--;
                pages[index] = isZero(content) ? null : content.clone();
            }
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
