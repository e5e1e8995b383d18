// Test helpers for trace directories: a sample header, writing a list of entries, reading all entries back.
package dev.lockstep.traceformat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

final class TestTraces {
    private TestTraces() {}

    static TraceHeader header() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("ram", "64M");
        config.put("harts", "1");
        config.put("devices", "uart,rtc,virtio-net,virtio-blk,virtio-rng");
        return new TraceHeader("0.1.0-test", config,
                List.of(GuestImage.embedded("kernel", "kernel", Entries.repeat("riscv".getBytes(), 10_000))));
    }

    static Path write(Path dir, List<LogEntry> entries, int entriesPerBlock) {
        try (TraceWriter w = TraceWriter.create(dir, header(), entriesPerBlock)) {
            entries.forEach(w::append);
        }
        return dir;
    }

    static List<LogEntry> readAll(Path dir) {
        try (Trace t = Trace.open(dir)) {
            return readAll(t.entries());
        }
    }

    static List<LogEntry> readAll(EntryCursor c) {
        try (c) {
            List<LogEntry> out = new ArrayList<>();
            c.forEachRemaining(out::add);
            return out;
        }
    }

    /** A fresh directory for one jqwik try (jqwik has no @TempDir per try). */
    static Path freshDir(String prefix) {
        try {
            return Files.createTempDirectory("lockstep-" + prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
