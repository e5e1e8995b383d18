// Specification of the checkpoint store: full and delta checkpoints rebuild exactly, deltas cost only what changed, and damage is reported.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    private static final int PAGE = 4096;
    private static final int PAGES = 64;
    private static final long RAM = (long) PAGE * PAGES;

    @TempDir
    Path tmp;

    /** A small machine: RAM as pages, mostly zero, and some opaque state. */
    private byte[][] ram;
    private final List<Integer> asked = new ArrayList<>();

    @BeforeEach
    void freshRam() {
        ram = new byte[PAGES][PAGE];
        Random r = new Random(1);
        for (int p = 0; p < PAGES; p += 3) {
            r.nextBytes(ram[p]);
        }
    }

    private byte[] page(int index) {
        asked.add(index);
        return ram[index].clone();
    }

    private void write(int index, int offset, byte value) {
        ram[index][offset] = value;
    }

    private TraceWriter writer() {
        return TraceWriter.create(tmp.resolve("t"), TestTraces.header());
    }

    private void assertMatchesRam(Checkpoint c, byte[][] expected) {
        assertThat(c.pageCount()).isEqualTo(PAGES);
        for (int p = 0; p < PAGES; p++) {
            assertThat(c.page(p)).as("page %d", p).isEqualTo(expected[p]);
        }
    }

    private static byte[][] copy(byte[][] pages) {
        return Arrays.stream(pages).map(byte[]::clone).toArray(byte[][]::new);
    }

    @Test
    void aFullCheckpointRebuildsEveryPageAndTheMachineState() {
        long id;
        try (TraceWriter w = writer()) {
            id = w.checkpoints().writeCheckpoint(1000, new byte[] {1, 2, 3}, PAGE, RAM, this::page, null, true);
        }
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            Checkpoint c = t.checkpoints().readCheckpoint(id);
            assertThat(c.instret()).isEqualTo(1000);
            assertThat(c.machineState()).containsExactly(1, 2, 3);
            assertThat(c.pageSize()).isEqualTo(PAGE);
            assertThat(c.ramSize()).isEqualTo(RAM);
            assertMatchesRam(c, ram);
        }
    }

    @Test
    void aDeltaChainRebuildsEachCheckpointAsItWas() {
        List<byte[][]> states = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        try (TraceWriter w = writer()) {
            ids.add(w.checkpoints().writeCheckpoint(100, new byte[] {0}, PAGE, RAM, this::page, null, true));
            states.add(copy(ram));
            write(5, 10, (byte) 0x55);
            write(0, 0, (byte) 0x11);
            ids.add(w.checkpoints().writeCheckpoint(200, new byte[] {1}, PAGE, RAM, this::page, new int[] {5, 0}, false));
            states.add(copy(ram));
            write(5, 11, (byte) 0x66);
            write(63, 4095, (byte) 0x77);
            ids.add(w.checkpoints().writeCheckpoint(300, new byte[] {2}, PAGE, RAM, this::page, new int[] {63, 5, 63}, false));
            states.add(copy(ram));
        }
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            for (int i = 0; i < ids.size(); i++) {
                Checkpoint c = t.checkpoints().readCheckpoint(ids.get(i));
                assertThat(c.machineState()).containsExactly(i);
                assertThat(c.instret()).isEqualTo(100L * (i + 1));
                assertMatchesRam(c, states.get(i));
            }
        }
    }

    @Test
    void aDeltaAsksOnlyForTheChangedPages() {
        try (TraceWriter w = writer()) {
            w.checkpoints().writeCheckpoint(100, new byte[0], PAGE, RAM, this::page, null, true);
            asked.clear();
            w.checkpoints().writeCheckpoint(200, new byte[0], PAGE, RAM, this::page, new int[] {7, 3}, false);
        }
        assertThat(asked).containsExactly(3, 7);
    }

    @Test
    void aDeltaIsMuchSmallerThanAFullCheckpoint() throws IOException {
        try (TraceWriter w = writer()) {
            w.checkpoints().writeCheckpoint(100, new byte[0], PAGE, RAM, this::page, null, true);
            w.checkpoints().writeCheckpoint(200, new byte[0], PAGE, RAM, this::page, new int[] {3}, false);
        }
        long full = Files.size(tmp.resolve("t/checkpoints").resolve(CheckpointFile.fileName(1)));
        long delta = Files.size(tmp.resolve("t/checkpoints").resolve(CheckpointFile.fileName(2)));
        assertThat(delta * 5).isLessThan(full);
    }

    @Test
    void copyPageFillsTheCallersBuffer() {
        try (TraceWriter w = writer()) {
            w.checkpoints().writeCheckpoint(1, new byte[0], PAGE, RAM, this::page, null, true);
        }
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            Checkpoint c = t.checkpoints().readCheckpoint(1);
            byte[] all = new byte[(int) RAM];
            Arrays.fill(all, (byte) 0x7F);
            for (int p = 0; p < PAGES; p++) {
                c.copyPage(p, all, p * PAGE);
            }
            for (int p = 0; p < PAGES; p++) {
                assertThat(Arrays.copyOfRange(all, p * PAGE, (p + 1) * PAGE)).as("page %d", p).isEqualTo(ram[p]);
            }
        }
    }

    @Test
    void listIsSortedByInstretAndLatestAtOrBeforeFindsTheSeekStart() {
        try (TraceWriter w = writer()) {
            w.checkpoints().writeCheckpoint(500, new byte[0], PAGE, RAM, this::page, null, true);
            w.checkpoints().writeCheckpoint(100, new byte[0], PAGE, RAM, this::page, null, true);
            w.checkpoints().writeCheckpoint(900, new byte[0], PAGE, RAM, this::page, new int[0], false);
        }
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            CheckpointStore store = t.checkpoints();
            assertThat(store.list()).containsExactly(new CheckpointInfo(2, 100, 0), new CheckpointInfo(1, 500, 0),
                    new CheckpointInfo(3, 900, 2));
            assertThat(store.latestAtOrBefore(99)).isEmpty();
            assertThat(store.latestAtOrBefore(100)).contains(new CheckpointInfo(2, 100, 0));
            assertThat(store.latestAtOrBefore(899)).contains(new CheckpointInfo(1, 500, 0));
            assertThat(store.latestAtOrBefore(Long.MAX_VALUE)).contains(new CheckpointInfo(3, 900, 2));
        }
    }

    @Test
    void aCorruptedCheckpointIsReported() throws IOException {
        try (TraceWriter w = writer()) {
            w.checkpoints().writeCheckpoint(100, new byte[] {9}, PAGE, RAM, this::page, null, true);
        }
        Path file = tmp.resolve("t/checkpoints").resolve(CheckpointFile.fileName(1));
        flipByte(file, Files.size(file) / 2);
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThatThrownBy(() -> t.checkpoints().readCheckpoint(1))
                    .isInstanceOf(TraceFormatException.class)
                    .hasMessageStartingWith("Checkpoint 1 (" + file + ") is corrupted: its CRC32C is");
        }
    }

    @Test
    void aCorruptedBaseMakesItsDeltasUnreadable() throws IOException {
        try (TraceWriter w = writer()) {
            w.checkpoints().writeCheckpoint(100, new byte[0], PAGE, RAM, this::page, null, true);
            w.checkpoints().writeCheckpoint(200, new byte[0], PAGE, RAM, this::page, new int[] {1}, false);
        }
        Path base = tmp.resolve("t/checkpoints").resolve(CheckpointFile.fileName(1));
        flipByte(base, 100);
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThatThrownBy(() -> t.checkpoints().readCheckpoint(2))
                    .isInstanceOf(TraceFormatException.class)
                    .hasMessageStartingWith("Checkpoint 1 (");
        }
    }

    @Test
    void aTruncatedCheckpointIsReported() throws IOException {
        try (TraceWriter w = writer()) {
            w.checkpoints().writeCheckpoint(100, new byte[0], PAGE, RAM, this::page, null, true);
        }
        Path file = tmp.resolve("t/checkpoints").resolve(CheckpointFile.fileName(1));
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - 100);
        }
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThatThrownBy(() -> t.checkpoints().readCheckpoint(1)).isInstanceOf(TraceFormatException.class);
        }
    }

    @Test
    void aMissingIndexIsRebuiltFromTheCheckpointFiles() throws IOException {
        try (TraceWriter w = writer()) {
            w.checkpoints().writeCheckpoint(100, new byte[0], PAGE, RAM, this::page, null, true);
            w.checkpoints().writeCheckpoint(200, new byte[0], PAGE, RAM, this::page, new int[] {2}, false);
        }
        Files.delete(tmp.resolve("t/checkpoints/index"));
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThat(t.checkpoints().list()).containsExactly(new CheckpointInfo(1, 100, 0), new CheckpointInfo(2, 200, 1));
            assertMatchesRam(t.checkpoints().readCheckpoint(2), ram);
        }
    }

    @Test
    void aCheckpointACrashLeftOutOfTheIndexIsStillListed() throws IOException {
        try (TraceWriter w = writer()) {
            w.checkpoints().writeCheckpoint(100, new byte[0], PAGE, RAM, this::page, null, true);
            w.checkpoints().writeCheckpoint(200, new byte[0], PAGE, RAM, this::page, new int[] {2}, false);
        }
        Path index = tmp.resolve("t/checkpoints/index");
        try (RandomAccessFile f = new RandomAccessFile(index.toFile(), "rw")) {
            f.setLength(f.length() - CheckpointStore.INDEX_RECORD_BYTES - 5); // the last record lost, one torn
        }
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThat(t.checkpoints().list()).containsExactly(new CheckpointInfo(1, 100, 0), new CheckpointInfo(2, 200, 1));
        }
    }

    @Test
    void aDeltaNeedsAPreviousCheckpoint() {
        try (TraceWriter w = writer()) {
            assertThatThrownBy(() -> w.checkpoints().writeCheckpoint(1, new byte[0], PAGE, RAM, this::page, new int[0], false))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aPageOfTheWrongSizeIsRefusedAndLeavesNoFile() throws IOException {
        try (TraceWriter w = writer()) {
            assertThatThrownBy(() -> w.checkpoints().writeCheckpoint(1, new byte[0], PAGE, RAM, i -> new byte[10], null, true))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(w.checkpoints().list()).isEmpty();
        }
        try (var files = Files.list(tmp.resolve("t/checkpoints"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("index");
        }
    }

    @Test
    void aReadOnlyStoreRefusesWrites() {
        TraceWriter.create(tmp.resolve("t"), TestTraces.header()).close();
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThatThrownBy(() -> t.checkpoints().writeCheckpoint(1, new byte[0], PAGE, RAM, this::page, null, true))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    private static void flipByte(Path file, long pos) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(pos);
            int b = f.read();
            f.seek(pos);
            f.write(b ^ 0x10);
        }
    }
}
