// Acceptance 4 of issue 4, the size half: a guest idling at a prompt adds a few bytes per wake-up to its trace.
package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.traceformat.EntryType;
import dev.lockstep.traceformat.Trace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idle guest sleeps in WFI at its prompt, waking once a second on its timer tick. Recorded for 5 s of
 * wall time (the 60 s measurement, with CPU use, is bench/record.sh), the trace holds one CLOCK entry per
 * wake-up and its content stays far under 10 KB. Content, not file sizes: the entries file is a sparse
 * Chronicle Queue file (about 520 KB apparent once closed, a few KB allocated) whose fixed index arrays
 * are mostly holes.
 */
class IdleTraceSizeTest {
    @TempDir
    Path tmp;

    @Test
    void fiveSecondsIdleAtAPromptIsOneClockEntryPerTickAndUnder10KB() throws IOException {
        Path dir = tmp.resolve("idle");
        Recordings.Outcome recorded = Recordings.record(dir, Recordings.Setup.guest("idle").script("""
                wait idle>\s
                sleep 5000
                send q\\r
                """));

        assertThat(recorded.console()).contains("idle: bye after 2 bytes @ticks=5");
        try (Trace t = Trace.open(dir)) {
            // one per 1 s tick, and one for the partial second before the script typed 'q'
            assertThat(t.countsByType().get(EntryType.CLOCK)).isBetween(5L, 6L);
        }
        long header = Files.size(dir.resolve("header"));
        long entries = entryBytes(dir.resolve("entries/19700101L.cq4"));
        assertThat(header).as("header (with the guest image, zstd)").isLessThan(6_000);
        assertThat(entries).as("bytes of entry blocks, framing included").isLessThan(1_000);
        assertThat(header + entries).isLessThan(10_000);
        assertThat(Recordings.replay(dir)).isEqualTo(recorded);
    }

    /** The bytes of the data excerpts (the entry blocks) and their 4-byte headers, per docs/trace-format.md's framing. */
    static long entryBytes(Path cq4) throws IOException {
        long total = 0;
        try (FileChannel ch = FileChannel.open(cq4, StandardOpenOption.READ)) {
            ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            long pos = 0;
            while (pos + 4 <= ch.size()) {
                word.clear();
                ch.read(word, pos);
                int h = word.getInt(0);
                if (h == 0 || (h & 0x80000000) != 0) break;
                int length = h & 0x3FFFFFFF;
                if ((h & 0x40000000) == 0) total += 4 + length;
                pos = (pos + 4 + length + 3) & ~3L;
            }
        }
        return total;
    }
}
