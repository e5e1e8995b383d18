// `lockstep info`: what a trace holds: header, entry counts, sizes, instructions and durations.
package dev.lockstep.shell;

import dev.lockstep.traceformat.EntryEncoder;
import dev.lockstep.traceformat.EntryType;
import dev.lockstep.traceformat.GuestImage;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
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

    /** Per block: its 32-byte header (CRC, number, instret range, count) and Chronicle's 4-byte excerpt header. */
    private static final int BLOCK_OVERHEAD = 36;

    private static long sizeOf(Path p) throws IOException {
        if (!Files.exists(p)) return 0;
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

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
            Map<EntryType, Long> counts = new EnumMap<>(EntryType.class);
            Map<EntryType, Long> bytesByType = new EnumMap<>(EntryType.class);
            long first = -1, lastClock = -1, lastClockAt = 0, consoleIn = 0;
            EntryEncoder encoder = new EntryEncoder();
            try (var it = t.entries()) {
                while (it.hasNext()) {
                    LogEntry e = it.next();
                    counts.merge(e.type(), 1L, Long::sum);
                    // Encoded as one stream: each instret delta from the previous entry, as within a block.
                    bytesByType.merge(e.type(), (long) encoder.encode(e).length, Long::sum);
                    if (e instanceof LogEntry.Wall w && first < 0) first = w.value();
                    if (e instanceof LogEntry.ConsoleIn c) consoleIn += c.bytes().length;
                    if (e instanceof LogEntry.Clock c) {
                        lastClock = c.newTimeBase();
                        lastClockAt = c.instret();
                    }
                }
            }
            long entries = counts.values().stream().mapToLong(Long::longValue).sum();
            long entryBytes = bytesByType.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("entries:      %,d in %,d blocks%n", entries, t.blockCount());
            counts.forEach((k, v) -> System.out.printf("  %-12s %,10d  %,12d bytes  (%.1f per entry)%n", k, v,
                    bytesByType.get(k), (double) bytesByType.get(k) / v));
            if (consoleIn > 0) {
                System.out.printf("  console input: %,d bytes typed, %.1f trace bytes per byte typed (CONSOLE_IN entries)%n",
                        consoleIn, (double) bytesByType.get(EntryType.CONSOLE_IN) / consoleIn);
            }
            long instructions = t.totalInstructions();
            System.out.printf("instructions: %,d%n", instructions);
            // Guest time advances one 10 MHz tick per instructions-per-tick instructions; a CLOCK entry sets it (DESIGN 3).
            long ipt = Long.parseLong(t.header().machineConfig().getOrDefault("instructions-per-tick", "10"));
            long ticks = lastClock >= 0 ? lastClock + (instructions - lastClockAt) / ipt : instructions / ipt;
            System.out.printf("guest time:   about %.3f s (instruction-derived time plus clock skips)%n", ticks / 1e7);
            t.end().ifPresentOrElse(e -> System.out.printf("end:          %s, exit code %d, at instruction %,d%n",
                    e.reason(), e.exitCode(), e.instret()),
                    () -> System.out.println("end:          none (the recording was cut off; it replays up to its last entry)"));
            long header = Files.size(dir.resolve("header"));
            long checkpoints = sizeOf(dir.resolve("checkpoints"));
            long blocks = entryBytes + t.blockCount() * BLOCK_OVERHEAD;
            System.out.printf("size:         %,d bytes: header %,d (with the guest images), entry blocks %,d, checkpoints %,d (%d)%n",
                    header + blocks + checkpoints, header, blocks, checkpoints, t.checkpoints().list().size());
            // Chronicle's file is sparse (preallocated index arrays, and a whole mapping chunk if the writer
            // was killed): its apparent size is not what it holds.
            System.out.printf("files:        %,d bytes apparent (the entries file is sparse: mostly unallocated holes)%n", sizeOf(dir));
            return 0;
        }
    }
}
