// Specification of the header file: round trip, order of the machine config, version checks, and damage detection.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceHeaderTest {
    @TempDir
    Path tmp;

    private TraceHeader sample() throws IOException {
        Path disk = tmp.resolve("disk.img");
        Files.write(disk, Entries.repeat(new byte[] {1, 2, 3}, 100_000));
        Map<String, String> config = new LinkedHashMap<>();
        config.put("z-first", "1");
        config.put("a-second", "2");
        config.put("m-third", "ünïcødé");
        return new TraceHeader("1.2.3", config, List.of(
                GuestImage.embedded("firmware", "firmware", new byte[] {0x13, 0, 0, 0}),
                GuestImage.embedded("empty", "dtb", new byte[0]),
                GuestImage.reference("disk", "disk", disk)));
    }

    @Test
    void aHeaderSurvivesWritingAndReading() throws IOException {
        TraceHeader header = sample();
        HeaderFile.write(tmp.resolve("header"), header);
        assertThat(HeaderFile.read(tmp.resolve("header"))).isEqualTo(header);
    }

    @Test
    void theMachineConfigKeepsItsOrder() throws IOException {
        HeaderFile.write(tmp.resolve("header"), sample());
        assertThat(HeaderFile.read(tmp.resolve("header")).machineConfig().keySet())
                .containsExactly("z-first", "a-second", "m-third");
    }

    @Test
    void writingLeavesNoTemporaryFile() throws IOException {
        HeaderFile.write(tmp.resolve("header"), sample());
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("header", "disk.img");
        }
    }

    @Test
    void aHeaderFromANewerFormatVersionIsRefusedAsNewer() throws IOException {
        byte[] b = withVersion(HeaderFile.encode(sample()), Trace.FORMAT_VERSION + 1);
        assertThatThrownBy(() -> HeaderFile.decode(b, "Trace header h"))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("Trace header h is in trace format version 2, newer than the version 1 this lockstep reads; use a newer lockstep.");
    }

    @Test
    void aHeaderFromAnOlderFormatVersionIsRefusedAsOlder() throws IOException {
        byte[] b = withVersion(HeaderFile.encode(sample()), 0);
        assertThatThrownBy(() -> HeaderFile.decode(b, "Trace header h"))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("format version 0, older than the version 1");
    }

    @Test
    void aForeignFileIsNotTakenForAHeader() {
        assertThatThrownBy(() -> HeaderFile.decode("#!/bin/sh\necho hi\n".getBytes(), "Trace header h"))
                .isInstanceOf(TraceFormatException.class)
                .hasMessage("Trace header h is not a lockstep trace header: it does not start with the \"LSTRACE\" magic.");
    }

    @Test
    void everyFlippedBitInTheHeaderIsDetected() throws IOException {
        byte[] good = HeaderFile.encode(sample());
        for (int bit = HeaderFile.MAGIC.length * 8; bit < good.length * 8; bit++) {
            byte[] b = good.clone();
            b[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThatThrownBy(() -> HeaderFile.decode(b, "Trace header h"))
                    .isInstanceOf(TraceFormatException.class)
                    .hasMessageStartingWith("Trace header h is ");
        }
    }

    @Test
    void aTruncatedHeaderIsReportedAsTruncated() throws IOException {
        byte[] good = HeaderFile.encode(sample());
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 10);
        assertThatThrownBy(() -> HeaderFile.decode(cut, "Trace header h"))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("is truncated");
    }

    @Test
    void anEmbeddedImageThatDoesNotMatchItsHashIsRefused() throws IOException {
        TraceHeader header = new TraceHeader("v", Map.of(), List.of(GuestImage.embedded("k", "kernel", new byte[] {7})));
        byte[] b = HeaderFile.encode(header);
        // The SHA-256 sits just before the compressed image; damage it and fix the CRC, as a buggy writer would.
        int sha = indexOf(b, header.images().get(0).sha256());
        b[sha] ^= 1;
        fixCrc(b);
        assertThatThrownBy(() -> HeaderFile.decode(b, "Trace header h"))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageContaining("embedded guest image \"k\" does not match its SHA-256");
    }

    @Test
    void twoImagesWithOneNameAreRefused() {
        assertThatThrownBy(() -> new TraceHeader("v", Map.of(), List.of(
                GuestImage.embedded("k", "kernel", new byte[1]), GuestImage.embedded("k", "disk", new byte[1]))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static byte[] withVersion(byte[] header, int version) {
        byte[] b = header.clone();
        b[8] = (byte) version;
        b[9] = (byte) (version >>> 8);
        fixCrc(b);
        return b;
    }

    static void fixCrc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        ByteSink.putU32(b, b.length - 4, (int) crc.getValue());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
