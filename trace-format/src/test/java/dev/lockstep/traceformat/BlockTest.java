// Specification of blocks: every bit flip and every truncation is detected, never decoded into wrong entries.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BlockTest {

    @Provide
    Arbitrary<List<LogEntry>> blocks() {
        return Entries.sequences(40).filter(l -> !l.isEmpty());
    }

    @Property(tries = 300)
    void aFlippedBitAnywhereInABlockIsDetected(@ForAll("blocks") List<LogEntry> entries,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where) {
        byte[] block = EntryEncoder.encodeBlock(3, entries);
        int bit = where % (block.length * 8);
        block[bit / 8] ^= (byte) (1 << (bit % 8));
        assertThatThrownBy(() -> EntryDecoder.decodeBlock(3, block))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("CRC32C");
    }

    @Property(tries = 100)
    void aTruncatedBlockIsDetected(@ForAll("blocks") List<LogEntry> entries, @ForAll @IntRange(min = 1) int cut) {
        byte[] block = EntryEncoder.encodeBlock(3, entries);
        byte[] shorter = Arrays.copyOf(block, block.length - 1 - cut % block.length);
        assertThatThrownBy(() -> EntryDecoder.decodeBlock(3, shorter)).isInstanceOf(TraceFormatException.class);
    }

    @Test
    void aBlockReadInPlaceOfAnotherIsReportedAsMisplaced() {
        byte[] block = EntryEncoder.encodeBlock(5, List.of(new LogEntry.Heartbeat(1)));
        assertThatThrownBy(() -> EntryDecoder.decodeBlock(6, block))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("Block 6 is misplaced: the index led to block number 5 instead.");
    }

    @Test
    void aBlockMustHoldAnEntry() {
        assertThatThrownBy(() -> EntryEncoder.encodeBlock(0, List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
