// Writes traces/golden-v1, the committed trace that pins format version 1; see docs/trace-format.md, "The golden trace", to regenerate it.
package dev.lockstep.traceformat;

import dev.lockstep.traceformat.LogEntry.Checkpoint;
import dev.lockstep.traceformat.LogEntry.Clock;
import dev.lockstep.traceformat.LogEntry.ConsoleIn;
import dev.lockstep.traceformat.LogEntry.DiskDone;
import dev.lockstep.traceformat.LogEntry.End;
import dev.lockstep.traceformat.LogEntry.Heartbeat;
import dev.lockstep.traceformat.LogEntry.Irq;
import dev.lockstep.traceformat.LogEntry.NetRx;
import dev.lockstep.traceformat.LogEntry.Output;
import dev.lockstep.traceformat.LogEntry.Rng;
import dev.lockstep.traceformat.LogEntry.StateHash;
import dev.lockstep.traceformat.LogEntry.Wall;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Usage: {@code GoldenTraceGenerator <directory>}; the directory must not exist or be empty. */
public final class GoldenTraceGenerator {
    static final int ENTRIES_PER_BLOCK = 4;
    static final int PAGE_SIZE = 4096;
    static final int PAGES = 4;

    /** Every entry type; a payload that compresses; three entries at one instret across a block boundary; END last. */
    static final List<LogEntry> ENTRIES = List.of(
            new Clock(0, 0),
            new ConsoleIn(120, "ls\n".getBytes(StandardCharsets.US_ASCII)),
            new Output(150, OutputKind.CONSOLE, 0x1234_5678_9ABC_DEF0L, 3, "ls\n".getBytes(StandardCharsets.US_ASCII)),
            new Wall(200, 1_767_225_600_000_000_000L),
            new Irq(200, 10, true),
            new Irq(200, 10, false),
            new NetRx(1_000, Entries.repeat("frame-".getBytes(StandardCharsets.US_ASCII), 300)),
            new DiskDone(5_000, 7, 0, Entries.repeat(new byte[] {(byte) 0xEB, 0x3C, (byte) 0x90}, 512)),
            new DiskDone(5_001, 8, -1, new byte[0]),
            new Rng(6_000, new byte[] {4, 8, 15, 16, 23, 42}),
            new Output(7_000, OutputKind.NET, -2L, 1500, null),
            new Output(7_000, OutputKind.DISK, 99L, 512, null),
            new StateHash(10_000, 0xDEAD_BEEF_CAFE_F00DL),
            new Checkpoint(10_000, 1),
            new Clock(10_500, 1_000_000),
            new Heartbeat(20_000),
            new Checkpoint(30_000, 2),
            new End(40_000, EndReason.POWEROFF, 0));

    static final byte[] KERNEL = Entries.repeat("golden kernel ".getBytes(StandardCharsets.US_ASCII), 500);
    static final byte[] DISK = Entries.repeat(new byte[] {0x55, (byte) 0xAA}, 1024);

    private GoldenTraceGenerator() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: GoldenTraceGenerator <directory>");
            System.exit(2);
        }
        write(Path.of(args[0]));
    }

    static TraceHeader header() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("machine", "virt");
        config.put("harts", "1");
        config.put("ram", "16K");
        config.put("isa", "rv64imafdc_zicsr_zifencei");
        return new TraceHeader("golden-v1", config, List.of(
                GuestImage.embedded("kernel", "kernel", KERNEL),
                new GuestImage.Referenced("disk", "disk", "disk.img", DISK.length, sha256(DISK))));
    }

    /** RAM before the first checkpoint, and the page the second (delta) one changes. */
    static byte[][] ram(boolean afterDelta) {
        byte[][] ram = new byte[PAGES][PAGE_SIZE];
        ram[0] = Entries.repeat("boot".getBytes(StandardCharsets.US_ASCII), PAGE_SIZE);
        if (afterDelta) {
            ram[2] = Entries.repeat("heap".getBytes(StandardCharsets.US_ASCII), PAGE_SIZE);
        }
        return ram;
    }

    static void write(Path dir) throws IOException {
        // A 1 MiB Chronicle block size keeps the committed queue file small; it is not part of the format.
        try (TraceWriter w = TraceWriter.create(dir, header(), ENTRIES_PER_BLOCK, 1 << 20)) {
            for (LogEntry e : ENTRIES) {
                w.append(e);
            }
            byte[][] before = ram(false);
            byte[][] after = ram(true);
            w.checkpoints().writeCheckpoint(10_000, new byte[] {1, 0, 0, 0}, PAGE_SIZE, (long) PAGE_SIZE * PAGES,
                    i -> before[i], null, true);
            w.checkpoints().writeCheckpoint(30_000, new byte[] {2, 0, 0, 0}, PAGE_SIZE, (long) PAGE_SIZE * PAGES,
                    i -> after[i], new int[] {2}, false);
        }
        Files.write(dir.resolve("disk.img"), DISK);
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
