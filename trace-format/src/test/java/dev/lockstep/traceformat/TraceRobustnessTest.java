// Specification of how a trace fails: every damaged, foreign, truncated or too-new trace is one clear TraceFormatException, never a hang or wrong data.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The class timeout is a hang guard only (Chronicle waits seconds on some bad files); no test asserts speed. */
@Timeout(120)
class TraceRobustnessTest {
    @TempDir
    Path tmp;

    private static final List<LogEntry> ENTRIES = LongStream.range(0, 2000).mapToObj(Entries::numbered).toList();

    private Path trace() {
        return TestTraces.write(tmp.resolve("t"), ENTRIES, 16);
    }

    private Path cycleFile(Path trace) {
        return trace.resolve(Trace.ENTRIES_DIR).resolve(Queues.CYCLE_FILE);
    }

    /** Opens the trace and reads everything; returns what was read if nothing was wrong. */
    private static List<LogEntry> openAndReadAll(Path dir) {
        try (Trace t = Trace.open(dir)) {
            t.totalInstructions();
            t.firstEntryAtOrAfter(ENTRIES.get(ENTRIES.size() / 2).instret()).close();
            return TestTraces.readAll(t.entries());
        }
    }

    @Test
    void aMissingDirectoryIsReported() {
        assertThatThrownBy(() -> Trace.open(tmp.resolve("nowhere")))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void anEmptyDirectoryIsReported() {
        assertThatThrownBy(() -> Trace.open(tmp))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("Directory " + tmp + " is empty, not a lockstep trace.");
    }

    @Test
    void aForeignDirectoryIsReported() throws IOException {
        Files.writeString(tmp.resolve("README.md"), "# not a trace");
        Files.createDirectories(tmp.resolve("src"));
        assertThatThrownBy(() -> Trace.open(tmp))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("Directory " + tmp + " is not a lockstep trace: it has no header file.");
    }

    @Test
    void aTraceFromANewerFormatVersionIsReportedAsNewer() throws IOException {
        Path t = trace();
        Files.write(t.resolve("header"), TraceHeaderTest.withVersion(Files.readAllBytes(t.resolve("header")), 7));
        assertThatThrownBy(() -> Trace.open(t))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("format version 7, newer than the version 1");
    }

    @Test
    void aFlippedBitInTheHeaderIsReported() throws IOException {
        Path t = trace();
        flipBit(t.resolve("header"), 200);
        assertThatThrownBy(() -> Trace.open(t))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("header").hasMessageContaining("is corrupted");
    }

    @Test
    void aFlippedBitInAnEntryIsReportedWithItsBlock() throws IOException {
        Path t = trace();
        long pos = offsetOfBlock(cycleFile(t), 37) + 30;
        flipBit(cycleFile(t), pos * 8 + 3);
        assertThatThrownBy(() -> openAndReadAll(t))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageStartingWith("Block 37 of " + cycleFile(t))
                .hasMessageContaining("CRC32C");
    }

    @Test
    void aMissingEntriesDirectoryIsReported() throws IOException {
        Path t = trace();
        TestTraces.deleteTree(t.resolve(Trace.ENTRIES_DIR));
        assertThatThrownBy(() -> Trace.open(t))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("has no entries/ directory");
    }

    @Test
    void aGarbageQueueFileIsReportedWithoutWaiting() throws IOException {
        Path t = trace();
        Files.write(cycleFile(t), randomBytes(2_000_000));
        assertThatThrownBy(() -> Trace.open(t))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("is not a Chronicle Queue SCQStore file");
    }

    @Test
    void aZeroFilledQueueFileIsReported() throws IOException {
        Path t = trace();
        Files.write(cycleFile(t), new byte[1 << 20]);
        assertThatThrownBy(() -> Trace.open(t))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("unfinished header");
    }

    @Test
    void aGarbageQueueMetadataFileIsReportedWithoutWaiting() throws IOException {
        Path t = trace();
        Files.write(t.resolve(Trace.ENTRIES_DIR).resolve(Queues.METADATA_FILE), randomBytes(131072));
        assertThatThrownBy(() -> Trace.open(t))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("is not a Chronicle Queue STStore file");
    }

    @Test
    void aStrayQueueFileIsReported() throws IOException {
        Path t = trace();
        Files.copy(cycleFile(t), t.resolve(Trace.ENTRIES_DIR).resolve("20240101L.cq4"));
        assertThatThrownBy(() -> Trace.open(t))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("20240101L.cq4 does not belong in a lockstep trace");
    }

    @Test
    void aQueueFileCutShortOfItsDataIsReportedWhereverItIsCut() throws IOException {
        Path t = trace();
        long dataEnd = offsetOfBlock(cycleFile(t), -1);
        byte[] whole = Files.readAllBytes(cycleFile(t));
        for (long cut : new long[] {10, 100, 5000, 300_000, offsetOfBlock(cycleFile(t), 0) + 8, offsetOfBlock(cycleFile(t), 60),
                dataEnd - 5}) {
            truncate(cycleFile(t), whole, cut);
            assertThatThrownBy(() -> openAndReadAll(t)).as("cut at %d", cut).isInstanceOf(TraceFormatException.class);
        }
    }

    @Test
    void aQueueFileCutOnlyInItsUnusedTailStillReadsEverything() throws IOException {
        Path t = trace();
        long dataEnd = offsetOfBlock(cycleFile(t), -1);
        byte[] whole = Files.readAllBytes(cycleFile(t));
        for (long cut : new long[] {dataEnd, dataEnd + 3, whole.length}) {
            truncate(cycleFile(t), whole, cut);
            assertThat(openAndReadAll(t)).as("cut at %d", cut).isEqualTo(ENTRIES);
        }
    }

    private static void truncate(Path file, byte[] whole, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(0);
            f.write(whole, 0, (int) length);
        }
    }

    /**
     * Bits flipped in the queue file, half in the blocks (excerpt headers and data), half in the bytes
     * Chronicle itself uses (its file header and index): the trace either reads exactly what was written,
     * or a prefix of it (a flip that reads as a crash-cut end), or fails with one TraceFormatException
     * sentence. Never other entries, never another exception.
     */
    @Test
    void bitFlipsInTheQueueFileNeverYieldWrongEntries() throws IOException {
        Path t = trace();
        byte[] whole = Files.readAllBytes(cycleFile(t));
        long dataStart = offsetOfBlock(cycleFile(t), 0) - 4;
        long dataEnd = offsetOfBlock(cycleFile(t), -1);
        int[] chronicleBytes = IntStream.range(0, (int) dataStart).filter(i -> whole[i] != 0).toArray();
        Random random = new Random(Long.getLong("flipSeed", 42));
        for (int round = 0; round < ROUNDS; round++) {
            long pos = round % 2 == 0 ? dataStart + (long) (random.nextDouble() * (dataEnd - dataStart))
                    : chronicleBytes[random.nextInt(chronicleBytes.length)];
            flipBit(cycleFile(t), pos * 8 + random.nextInt(8));
            try {
                List<LogEntry> read = openAndReadAll(t);
                assertThat(ENTRIES).as("flip at byte %d", pos).startsWith(read.toArray(new LogEntry[0]));
            } catch (TraceFormatException expected) {
                assertThat(expected.getMessage()).as("flip at byte %d", pos).endsWith(".").doesNotContain("\n");
            }
            writeByte(cycleFile(t), pos, whole[(int) pos]);
        }
    }

    /** Raise with -DflipRounds=5000 -DflipSeed=n for a longer hunt; the default keeps the suite quick. */
    private static final int ROUNDS = Integer.getInteger("flipRounds", 80);

    @Test
    void aTraceCutOffBeforeItsLastBlockWasCompletedReadsUpToTheLastCompleteBlock() throws IOException {
        Path t = trace();
        // Mark the last excerpt as still being written, which is what a writer killed mid-append leaves.
        long last = offsetOfBlock(cycleFile(t), -2);
        try (RandomAccessFile f = new RandomAccessFile(cycleFile(t).toFile(), "rw")) {
            f.seek(last + 3);
            int top = f.read();
            f.seek(last + 3);
            f.write(top | 0x80);
        }
        List<LogEntry> read = TestTraces.readAll(t);
        assertThat(read).isEqualTo(ENTRIES.subList(0, read.size()));
        assertThat(read.size()).isEqualTo(ENTRIES.size() - ENTRIES.size() % 16 - (ENTRIES.size() % 16 == 0 ? 16 : 0));
    }

    @Test
    void aCheckpointsDirectoryThatIsMissingIsReported() throws IOException {
        Path t = trace();
        TestTraces.deleteTree(t.resolve(Trace.CHECKPOINTS_DIR));
        assertThatThrownBy(() -> Trace.open(t))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("has no checkpoints/ directory");
    }

    @Test
    void aReferencedImageThatChangedSinceRecordingIsReported() throws IOException {
        Path disk = tmp.resolve("disk.img");
        Files.write(disk, new byte[] {1, 2, 3, 4});
        TraceHeader header = new TraceHeader("v", java.util.Map.of(), List.of(GuestImage.reference("disk", "disk", disk)));
        TraceWriter.create(tmp.resolve("t"), header).close();
        Files.write(disk, new byte[] {1, 2, 3, 5});
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThatThrownBy(() -> t.imageBytes("disk"))
                    .isInstanceOf(TraceFormatException.class)
                    .hasMessageContaining("SHA-256 differs");
        }
    }

    /**
     * The file offset of block {@code n}'s data (negative counts from the end: -1 is the end of the last
     * block, -2 the header of the last block), found with the documented framing, not with Chronicle.
     */
    static long offsetOfBlock(Path cq4, int n) throws IOException {
        List<long[]> blocks = DocumentedFramingTest.excerpts(cq4);
        if (n == -1) {
            long[] last = blocks.get(blocks.size() - 1);
            return last[0] + last[1];
        }
        if (n == -2) {
            return blocks.get(blocks.size() - 1)[0] - 4;
        }
        return blocks.get(n)[0];
    }

    private static void flipBit(Path file, long bit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(bit / 8);
            int b = f.read();
            f.seek(bit / 8);
            f.write(b ^ (1 << (bit % 8)));
        }
    }

    private static void writeByte(Path file, long pos, byte value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(pos);
            f.write(value);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(7).nextBytes(b);
        return b;
    }
}
