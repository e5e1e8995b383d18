// Pins format version 1: the committed traces/golden-v1 must decode to exactly the entries, header and checkpoints it was made from.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * If one of these fails, the format changed: either undo the change, or make it on purpose (bump
 * {@link Trace#FORMAT_VERSION}, document it, and add a golden-v2 beside golden-v1).
 */
class GoldenTraceTest {
    static final Path GOLDEN = Path.of(System.getProperty("lockstep.root", ".."), "traces", "golden-v1");

    /** {@code -Dlockstep.regenerateGolden=true} rewrites the golden trace first; see docs/trace-format.md. */
    @BeforeAll
    static void regenerateIfAsked() throws IOException {
        if (Boolean.getBoolean("lockstep.regenerateGolden")) {
            if (Files.exists(GOLDEN)) {
                TestTraces.deleteTree(GOLDEN);
            }
            GoldenTraceGenerator.write(GOLDEN);
        }
    }

    @Test
    void theGoldenTraceDecodesToExactlyItsEntries() {
        assertThat(TestTraces.readAll(GOLDEN)).isEqualTo(GoldenTraceGenerator.ENTRIES);
    }

    @Test
    void theGoldenHeaderDecodesExactly() {
        try (Trace t = Trace.open(GOLDEN)) {
            assertThat(t.header()).isEqualTo(GoldenTraceGenerator.header());
            assertThat(t.header().machineConfig().keySet()).containsExactly("machine", "harts", "ram", "isa");
            assertThat(t.imageBytes("kernel")).isEqualTo(GoldenTraceGenerator.KERNEL);
            assertThat(t.imageBytes("disk")).isEqualTo(GoldenTraceGenerator.DISK);
            assertThat(t.totalInstructions()).isEqualTo(40_000);
            assertThat(t.blockCount()).isEqualTo(5);
        }
    }

    @Test
    void theGoldenCheckpointsRebuildExactly() {
        try (Trace t = Trace.open(GOLDEN)) {
            assertThat(t.checkpoints().list()).containsExactly(new CheckpointInfo(1, 10_000, 0), new CheckpointInfo(2, 30_000, 1));
            for (int id = 1; id <= 2; id++) {
                Checkpoint c = t.checkpoints().readCheckpoint(id);
                byte[][] ram = GoldenTraceGenerator.ram(id == 2);
                assertThat(c.machineState()).containsExactly(id, 0, 0, 0);
                for (int p = 0; p < GoldenTraceGenerator.PAGES; p++) {
                    assertThat(c.page(p)).as("checkpoint %d page %d", id, p).isEqualTo(ram[p]);
                }
            }
        }
    }

    @Test
    void randomAccessIntoTheGoldenTraceLandsOnTheFirstEntryAtThatInstret() {
        try (Trace t = Trace.open(GOLDEN)) {
            assertThat(TestTraces.readAll(t.firstEntryAtOrAfter(200))).isEqualTo(GoldenTraceGenerator.ENTRIES.subList(3, 18));
            assertThat(TestTraces.readAll(t.firstEntryAtOrAfter(7_000))).isEqualTo(GoldenTraceGenerator.ENTRIES.subList(10, 18));
        }
    }

    /** The writer of today still produces the committed block bytes (zstd-jni is pinned, so compression is too). */
    @Test
    void todaysEncoderWritesTheGoldenBlocksByteForByte() throws IOException {
        Path cq4 = GOLDEN.resolve(Trace.ENTRIES_DIR).resolve(Queues.CYCLE_FILE);
        List<byte[]> committed = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(cq4, StandardOpenOption.READ)) {
            for (long[] excerpt : DocumentedFramingTest.excerpts(cq4)) {
                ByteBuffer b = ByteBuffer.allocate((int) excerpt[1]);
                ch.read(b, excerpt[0]);
                committed.add(b.array());
            }
        }
        List<LogEntry> all = GoldenTraceGenerator.ENTRIES;
        int per = GoldenTraceGenerator.ENTRIES_PER_BLOCK;
        assertThat(committed).hasSize((all.size() + per - 1) / per);
        for (int k = 0; k < committed.size(); k++) {
            byte[] expected = EntryEncoder.encodeBlock(k, all.subList(k * per, Math.min(all.size(), (k + 1) * per)));
            assertThat(committed.get(k)).as("block %d", k).isEqualTo(expected);
        }
    }
}
