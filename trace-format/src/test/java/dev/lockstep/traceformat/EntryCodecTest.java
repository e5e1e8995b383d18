// Specification of the entry codec: round trips, ordering, compression, exact bytes, and rejection of bad data.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.traceformat.LogEntry.ConsoleIn;
import dev.lockstep.traceformat.LogEntry.End;
import dev.lockstep.traceformat.LogEntry.Heartbeat;
import dev.lockstep.traceformat.LogEntry.Irq;
import dev.lockstep.traceformat.LogEntry.Output;
import dev.lockstep.traceformat.LogEntry.StateHash;
import dev.lockstep.traceformat.LogEntry.Wall;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Test;

class EntryCodecTest {

    @Provide
    Arbitrary<List<LogEntry>> sequences() {
        return Entries.sequences(60);
    }

    @Property(tries = 300)
    void anEntrySequenceSurvivesTheStreamRoundTrip(@ForAll("sequences") List<LogEntry> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EntryEncoder encoder = new EntryEncoder();
        for (LogEntry e : entries) {
            encoder.write(e, out);
        }
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        EntryDecoder decoder = new EntryDecoder();
        List<LogEntry> decoded = new ArrayList<>();
        for (LogEntry e; (e = decoder.read(in)) != null; ) {
            decoded.add(e);
        }
        assertThat(decoded).isEqualTo(entries);
    }

    @Property(tries = 300)
    void aNonEmptyEntrySequenceSurvivesTheBlockRoundTrip(@ForAll("sequences") List<LogEntry> entries) {
        net.jqwik.api.Assume.that(!entries.isEmpty());
        assertThat(EntryDecoder.decodeBlock(7, EntryEncoder.encodeBlock(7, entries))).isEqualTo(entries);
    }

    @Property(tries = 300)
    void aSingleEntrySurvivesEncodeAndDecode(@ForAll("entry") LogEntry entry) {
        assertThat(new EntryDecoder().decode(new EntryEncoder().encode(entry))).isEqualTo(entry);
    }

    @Provide
    Arbitrary<LogEntry> entry() {
        return Entries.entries();
    }

    @Test
    void anEntryThatGoesBackInTimeIsRefused() {
        EntryEncoder encoder = new EntryEncoder();
        encoder.encode(new Heartbeat(100));
        assertThatThrownBy(() -> encoder.encode(new Heartbeat(99)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("instret 99 comes after instret 100");
        assertThat(encoder.lastInstret()).isEqualTo(100);
    }

    @Test
    void entriesAtTheSameInstretAreAllowed() {
        EntryEncoder encoder = new EntryEncoder();
        encoder.encode(new Heartbeat(5));
        assertThat(encoder.encode(new Heartbeat(5))).startsWith(0);
    }

    @Test
    void aLargeCompressiblePayloadIsStoredCompressed() {
        byte[] zeros = new byte[10_000];
        byte[] encoded = new EntryEncoder().encode(new ConsoleIn(0, zeros));
        assertThat(encoded.length).isLessThan(200);
        assertThat(new EntryDecoder().decode(encoded)).isEqualTo(new ConsoleIn(0, zeros));
    }

    @Test
    void aSmallPayloadIsStoredRaw() {
        byte[] text = "hello".getBytes();
        // delta 0, type 1, varint(5 << 1 | 0) = 10, then the five bytes
        assertThat(new EntryEncoder().encode(new ConsoleIn(0, text))).containsExactly(0, 1, 10, 'h', 'e', 'l', 'l', 'o');
    }

    /** Any change to these bytes is a format change: bump Trace.FORMAT_VERSION and document it. */
    @Test
    void theEncodingOfEachFixedFieldTypeIsStable() {
        EntryEncoder encoder = new EntryEncoder();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (LogEntry e : List.of(
                new LogEntry.Clock(300, 10_000_000),
                new Wall(300, 0x0102030405060708L),
                new Irq(301, 10, true),
                new Output(400, OutputKind.NET, -1L, 1500, null),
                new StateHash(1_000_000, 0xAABBCCDDEEFF0011L),
                new LogEntry.Checkpoint(1_000_000, 7),
                new LogEntry.DiskDone(1_000_001, 42, -1, new byte[0]),
                new Heartbeat(1_000_002),
                new End(1_000_002, EndReason.POWEROFF, -3))) {
            all.writeBytes(encoder.encode(e));
        }
        assertThat(HexFormat.of().formatHex(all.toByteArray())).isEqualTo(
                "ac0205" + "80ade204"
                + "0006" + "0807060504030201"
                + "0107" + "0a" + "01"
                + "6308" + "01" + "ffffffffffffffff" + "dc0b" + "00"
                + "b0813d09" + "1100ffeeddccbbaa"
                + "000a" + "07"
                + "0103" + "2a" + "01" + "00"
                + "010b"
                + "000c" + "01" + "05");
    }

    @Test
    void aStreamThatEndsInsideAnEntryIsReportedWithItsOffset() {
        byte[] whole = new EntryEncoder().encode(new Wall(0, 1234));
        InputStream cut = new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 3));
        assertThatThrownBy(() -> new EntryDecoder().read(cut))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("ends in the middle")
                .hasMessageContaining("byte offset");
    }

    @Test
    void anEmptyStreamHasNoEntries() throws IOException {
        assertThat(new EntryDecoder().read(new ByteArrayInputStream(new byte[0]))).isNull();
    }

    @Test
    void anUnknownTypeCodeIsReported() {
        assertThatThrownBy(() -> new EntryDecoder().decode(new byte[] {0, 99}))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("entry type code 99 is unknown");
    }

    @Test
    void aPayloadLengthBeyondTheLimitIsReportedWithoutAllocatingIt() {
        // delta 0, CONSOLE_IN, varint(2^40 << 1)
        byte[] hostile = {0, 1, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x40};
        assertThatThrownBy(() -> new EntryDecoder().decode(hostile))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("exceeds the limit");
    }

    @Test
    void aPayloadOverTheLimitIsRefusedWhenEncoding() {
        byte[] huge = new byte[Payloads.MAX_PAYLOAD_BYTES + 1];
        assertThatThrownBy(() -> new EntryEncoder().encode(new LogEntry.NetRx(0, huge)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceeds the limit");
    }

    @Test
    void everyEntryTypeHasADistinctCodeThatResolvesBackToIt() {
        for (EntryType t : EntryType.values()) {
            assertThat(EntryType.ofCode(t.code())).isSameAs(t);
        }
        assertThat(Arrays.stream(EntryType.values()).mapToInt(EntryType::code).distinct().count())
                .isEqualTo(EntryType.values().length);
    }

    @Test
    void entriesWithPayloadsCompareByContent() {
        assertThat(new ConsoleIn(1, new byte[] {1, 2})).isEqualTo(new ConsoleIn(1, new byte[] {1, 2}))
                .hasSameHashCodeAs(new ConsoleIn(1, new byte[] {1, 2}));
        assertThat(new ConsoleIn(1, new byte[] {1, 2})).isNotEqualTo(new ConsoleIn(1, new byte[] {1, 3}));
    }

    @Test
    void anOutputsKeptBytesMustMatchItsLength() {
        assertThatThrownBy(() -> new Output(0, OutputKind.CONSOLE, 0, 3, new byte[2]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
