// Specification of a trace directory: what is written reads back, in order and from any instruction number, and the summaries agree.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.traceformat.LogEntry.ConsoleIn;
import dev.lockstep.traceformat.LogEntry.End;
import dev.lockstep.traceformat.LogEntry.Heartbeat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceTest {
    @TempDir
    Path tmp;

    private static List<LogEntry> numbered(int n) {
        return LongStream.range(0, n).mapToObj(Entries::numbered).toList();
    }

    @Test
    void entriesReadBackInTheOrderTheyWereWritten() {
        List<LogEntry> entries = numbered(1000);
        TestTraces.write(tmp.resolve("t"), entries, 64);
        assertThat(TestTraces.readAll(tmp.resolve("t"))).isEqualTo(entries);
    }

    @Test
    void theHeaderReadsBackAsWritten() {
        TestTraces.write(tmp.resolve("t"), numbered(3), 64);
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThat(t.header()).isEqualTo(TestTraces.header());
            assertThat(t.imageBytes("kernel")).isEqualTo(((GuestImage.Embedded) TestTraces.header().images().get(0)).bytes());
        }
    }

    @Test
    void aBlockIsWrittenWhenFullAndOnFlush() {
        try (TraceWriter w = TraceWriter.create(tmp.resolve("t"), TestTraces.header(), 10)) {
            for (int i = 0; i < 25; i++) {
                w.append(Entries.numbered(i));
            }
            assertThat(w.blocksWritten()).isEqualTo(2);
            w.flush();
            assertThat(w.blocksWritten()).isEqualTo(3);
            w.flush();
            assertThat(w.blocksWritten()).isEqualTo(3);
        }
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThat(t.blockCount()).isEqualTo(3);
        }
    }

    @Test
    void flushedEntriesAreVisibleToAReaderWhileTheWriterIsOpen() {
        try (TraceWriter w = TraceWriter.create(tmp.resolve("t"), TestTraces.header(), 100)) {
            numbered(30).forEach(w::append);
            w.flush();
            w.append(Entries.numbered(30));
            assertThat(TestTraces.readAll(tmp.resolve("t"))).isEqualTo(numbered(30));
        }
    }

    @Test
    void countsByTypeCountEveryEntry() {
        List<LogEntry> entries = numbered(500);
        TestTraces.write(tmp.resolve("t"), entries, 32);
        Map<EntryType, Long> expected = new EnumMap<>(EntryType.class);
        entries.forEach(e -> expected.merge(e.type(), 1L, Long::sum));
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThat(t.countsByType()).isEqualTo(expected);
        }
    }

    @Test
    void totalInstructionsIsTheEndEntrysInstret() {
        List<LogEntry> entries = new ArrayList<>(numbered(100));
        entries.add(new End(10_000, EndReason.POWEROFF, 0));
        TestTraces.write(tmp.resolve("t"), entries, 16);
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThat(t.totalInstructions()).isEqualTo(10_000);
            assertThat(t.end()).contains(new End(10_000, EndReason.POWEROFF, 0));
        }
    }

    @Test
    void aTraceWithoutEndCountsUpToItsLastEntry() {
        TestTraces.write(tmp.resolve("t"), numbered(100), 16);
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThat(t.totalInstructions()).isEqualTo(Entries.numbered(99).instret());
            assertThat(t.end()).isEmpty();
        }
    }

    @Test
    void anEmptyTraceOpensWithNoEntries() {
        TestTraces.write(tmp.resolve("t"), List.of(), 16);
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThat(t.blockCount()).isZero();
            assertThat(t.totalInstructions()).isZero();
            assertThat(TestTraces.readAll(t.firstEntryAtOrAfter(5))).isEmpty();
            assertThat(t.countsByType()).isEmpty();
        }
    }

    @Provide
    Arbitrary<List<LogEntry>> sequences() {
        return Entries.sequences(400);
    }

    @Property(tries = 25)
    void firstEntryAtOrAfterAgreesWithALinearScan(@ForAll("sequences") List<LogEntry> entries,
            @ForAll @IntRange(min = 1, max = 20) int entriesPerBlock, @ForAll("targets") List<Long> targets) {
        Path dir = TestTraces.freshDir("random-access");
        try {
            TestTraces.write(dir.resolve("t"), entries, entriesPerBlock);
            try (Trace t = Trace.open(dir.resolve("t"))) {
                List<Long> probes = new ArrayList<>(targets);
                entries.forEach(e -> {
                    probes.add(e.instret());
                    probes.add(e.instret() + 1);
                    probes.add(Math.max(0, e.instret() - 1));
                });
                for (long target : probes.subList(0, Math.min(probes.size(), 60))) {
                    List<LogEntry> expected = entries.stream().filter(e -> e.instret() >= target).toList();
                    assertThat(TestTraces.readAll(t.firstEntryAtOrAfter(target))).as("from instret %d", target).isEqualTo(expected);
                }
            }
        } finally {
            TestTraces.deleteTree(dir);
        }
    }

    @Provide
    Arbitrary<List<Long>> targets() {
        return Arbitraries.longs().between(0, 1L << 51).list().ofMaxSize(5);
    }

    @Test
    void aSeekLandsOnTheFirstOfSeveralEntriesAtOneInstretEvenAcrossBlocks() {
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            entries.add(new Heartbeat(5));
        }
        for (int i = 0; i < 20; i++) {
            entries.add(new ConsoleIn(7, new byte[] {(byte) i}));
        }
        TestTraces.write(tmp.resolve("t"), entries, 3);
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            assertThat(TestTraces.readAll(t.firstEntryAtOrAfter(7))).isEqualTo(entries.subList(10, 30));
            assertThat(TestTraces.readAll(t.firstEntryAtOrAfter(6))).isEqualTo(entries.subList(10, 30));
            assertThat(TestTraces.readAll(t.firstEntryAtOrAfter(8))).isEmpty();
        }
    }

    @Test
    void peekShowsTheNextEntryWithoutConsumingIt() {
        TestTraces.write(tmp.resolve("t"), numbered(3), 2);
        try (Trace t = Trace.open(tmp.resolve("t")); EntryCursor c = t.entries()) {
            assertThat(c.peek()).isEqualTo(Entries.numbered(0));
            assertThat(c.next()).isEqualTo(Entries.numbered(0));
            assertThat(c.next()).isEqualTo(Entries.numbered(1));
        }
    }

    @Test
    void theWriterRefusesAnEntryThatGoesBackInTime() {
        try (TraceWriter w = TraceWriter.create(tmp.resolve("t"), TestTraces.header(), 4)) {
            w.append(new Heartbeat(10));
            w.flush();
            assertThatThrownBy(() -> w.append(new Heartbeat(9)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("instret 9 comes after instret 10");
            w.append(new Heartbeat(10));
        }
        assertThat(TestTraces.readAll(tmp.resolve("t"))).containsExactly(new Heartbeat(10), new Heartbeat(10));
    }

    @Test
    void theWriterRefusesEntriesAfterEnd() {
        try (TraceWriter w = TraceWriter.create(tmp.resolve("t"), TestTraces.header(), 4)) {
            w.append(new End(10, EndReason.STOP, 0));
            assertThatThrownBy(() -> w.append(new Heartbeat(11))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void theWriterRefusesADirectoryThatIsNotEmpty() throws IOException {
        Files.createDirectories(tmp.resolve("t"));
        Files.writeString(tmp.resolve("t/notes.txt"), "mine");
        assertThatThrownBy(() -> TraceWriter.create(tmp.resolve("t"), TestTraces.header()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not empty");
        assertThat(Files.readString(tmp.resolve("t/notes.txt"))).isEqualTo("mine");
    }

    @Test
    void recordingTheSameEntriesTwiceGivesByteIdenticalEntryFiles() throws IOException {
        TestTraces.write(tmp.resolve("a"), numbered(300), 50);
        TestTraces.write(tmp.resolve("b"), numbered(300), 50);
        Path file = Path.of(Trace.ENTRIES_DIR, Queues.CYCLE_FILE);
        assertThat(Files.readAllBytes(tmp.resolve("a").resolve(file))).isEqualTo(Files.readAllBytes(tmp.resolve("b").resolve(file)));
        assertThat(Files.readAllBytes(tmp.resolve("a/header"))).isEqualTo(Files.readAllBytes(tmp.resolve("b/header")));
    }

    @Test
    void aClosedTraceKeepsOnlyItsDataNotChroniclesPreallocatedChunk() throws IOException {
        List<LogEntry> entries = numbered(300);
        TestTraces.write(tmp.resolve("t"), entries, 50);
        long size = Files.size(tmp.resolve("t").resolve(Trace.ENTRIES_DIR).resolve(Queues.CYCLE_FILE));
        assertThat(size).as("cycle file bytes").isLessThan(1 << 20);
        assertThat(TestTraces.readAll(tmp.resolve("t"))).isEqualTo(entries);
    }

    @Test
    void closingATraceClosesItsCursors() {
        TestTraces.write(tmp.resolve("t"), numbered(10), 2);
        EntryCursor c;
        try (Trace t = Trace.open(tmp.resolve("t"))) {
            c = t.entries();
            c.next();
        }
        assertThatThrownBy(c::hasNext).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void noChronicleThreadOutlivesTheTracesItOpened() {
        TestTraces.write(tmp.resolve("t"), numbered(500), 20);
        try (Trace t = Trace.open(tmp.resolve("t")); EntryCursor c = t.firstEntryAtOrAfter(300)) {
            c.next();
        }
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.contains("~") || name.toLowerCase().contains("chronicle"))
                .doesNotContain("lockstep-trace-reader");
    }
}
