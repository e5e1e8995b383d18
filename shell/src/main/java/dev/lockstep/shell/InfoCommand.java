// `lockstep info`: what a trace holds: header, entry counts, sizes, instructions and durations.
package dev.lockstep.shell;

import dev.lockstep.traceformat.EntryType;
import dev.lockstep.traceformat.GuestImage;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Summarises a trace without replaying it. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a trace's header, entry counts, sizes and durations.")
final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "The trace directory.")
    Path dir;

    @Override
    public Integer call() throws IOException {
        try (Trace t = Trace.open(dir)) {
            System.out.println("trace:        " + dir);
            System.out.println("lockstep:     " + t.header().lockstepVersion());
            t.header().machineConfig().forEach((k, v) -> System.out.printf("machine:      %s = %s%n", k, v));
            for (GuestImage img : t.header().images()) {
                System.out.printf("image:        %s (%s), %,d bytes, sha256 %s%n", img.name(), img.role(), img.size(),
                        HexFormat.of().formatHex(img.sha256()));
            }
            Map<EntryType, Long> counts = t.countsByType();
            long entries = counts.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("entries:      %,d in %,d blocks%n", entries, t.blockCount());
            counts.forEach((k, v) -> System.out.printf("  %-12s %,d%n", k, v));
            long first = -1, last = 0, firstClock = -1, lastClock = -1;
            for (var it = t.entries(); it.hasNext(); ) {
                LogEntry e = it.next();
                last = e.instret();
                if (e instanceof LogEntry.Wall w) {
                    if (first < 0) first = w.value();
                }
                if (e instanceof LogEntry.Clock c) {
                    if (firstClock < 0) firstClock = c.newTimeBase();
                    lastClock = c.newTimeBase();
                }
            }
            long instructions = t.totalInstructions();
            System.out.printf("instructions: %,d%n", instructions);
            long ticks = instructions / 10 + (lastClock >= 0 ? Math.max(0, lastClock - firstClock) : 0);
            System.out.printf("guest time:   about %.3f s (instruction-derived time plus clock skips)%n", ticks / 1e7);
            t.end().ifPresentOrElse(e -> System.out.printf("end:          %s, exit code %d, at instruction %,d%n",
                    e.reason(), e.exitCode(), e.instret()),
                    () -> System.out.println("end:          none (the recording was cut off; it replays up to its last entry)"));
            long bytes;
            try (Stream<Path> s = Files.walk(dir)) {
                bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.printf("size on disk: %,d bytes (%d checkpoints)%n", bytes, t.checkpoints().list().size());
            if (entries > 0) System.out.printf("bytes/entry:  %.1f%n", (double) bytes / entries);
            return 0;
        }
    }
}
