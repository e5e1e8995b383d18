// Checks docs/trace-format.md's description of the queue file by reading it the documented way, without Chronicle.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentedFramingTest {
    @TempDir
    Path tmp;

    @Test
    void aReaderFollowingTheSpecFindsTheSameEntriesAsTheTraceApi() throws IOException {
        List<LogEntry> entries = LongStream.range(0, 700).mapToObj(Entries::numbered).toList();
        Path t = TestTraces.write(tmp.resolve("t"), entries, 33);
        Path cq4 = t.resolve(Trace.ENTRIES_DIR).resolve(Queues.CYCLE_FILE);
        List<LogEntry> read = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(cq4, StandardOpenOption.READ)) {
            long number = 0;
            for (long[] excerpt : excerpts(cq4)) {
                ByteBuffer block = ByteBuffer.allocate((int) excerpt[1]);
                ch.read(block, excerpt[0]);
                read.addAll(EntryDecoder.decodeBlock(number++, block.array()));
            }
        }
        assertThat(read).isEqualTo(entries);
    }

    /**
     * (offset, length) of every data excerpt, as docs/trace-format.md says to find them: from offset 0,
     * read a u32 header word; 0 ends the data, bit 31 marks an excerpt still being written (also the end),
     * bit 30 marks Chronicle's own metadata (skip it), the low 30 bits are the length; the next header is
     * at the following multiple of 4.
     */
    static List<long[]> excerpts(Path cq4) throws IOException {
        List<long[]> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(cq4, StandardOpenOption.READ)) {
            ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            long pos = 0;
            while (pos + 4 <= ch.size()) {
                word.clear();
                ch.read(word, pos);
                int header = word.getInt(0);
                if (header == 0 || (header & 0x80000000) != 0) {
                    break;
                }
                int length = header & 0x3FFFFFFF;
                if ((header & 0x40000000) == 0) {
                    out.add(new long[] {pos + 4, length});
                }
                pos = (pos + 4 + length + 3) & ~3L;
            }
        }
        return out;
    }
}
