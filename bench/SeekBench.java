// Benchmark: open a long synthetic trace and find the entry at random instruction numbers (issue 4's random-access figure).
// Run by bench/record.sh as a single-file program on the lockstep jar's class path:
//   java [Chronicle flags] -cp 'shell/target/lockstep.jar:shell/target/lib/*' bench/SeekBench.java DIR [INSTRUCTIONS] [ENTRIES]
import dev.lockstep.traceformat.EntryCursor;
import dev.lockstep.traceformat.GuestImage;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.Trace;
import dev.lockstep.traceformat.TraceHeader;
import dev.lockstep.traceformat.TraceWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes ENTRIES entries spread evenly (with jitter) over INSTRUCTIONS instructions through TraceWriter, as a
 * long recording would hold them: mostly CLOCK entries (idle wake-ups), a CONSOLE_IN every 16th, a
 * STATE_HASH every 100 M instructions. Then, in a fresh Trace, times open and 1,000 random seeks
 * (firstEntryAtOrAfter + reading that entry) and prints one table row per figure.
 */
public final class SeekBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long instructions = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000_000L;
        long entries = args.length > 2 ? Long.parseLong(args[2]) : 10_000_000L;
        Random rnd = new Random(42);
        TraceHeader header = new TraceHeader("bench", Map.of("machine", "virt"),
                List.of(GuestImage.embedded("synthetic", "elf", new byte[64])));
        long step = instructions / entries;
        long t0 = System.nanoTime();
        try (TraceWriter w = TraceWriter.create(dir, header)) {
            long nextHash = 100_000_000L;
            for (long i = 0; i < entries; i++) {
                long at = i * step + rnd.nextInt((int) Math.max(1, step / 2));
                while (at >= nextHash) {
                    w.append(new LogEntry.StateHash(nextHash, rnd.nextLong()));
                    nextHash += 100_000_000L;
                }
                if (at < w.lastInstret()) at = w.lastInstret();
                if (i % 16 == 0) w.append(new LogEntry.ConsoleIn(at, new byte[] {(byte) ('a' + i % 26)}));
                else w.append(new LogEntry.Clock(at, at / 10 + i));
            }
            w.append(new LogEntry.End(instructions, dev.lockstep.traceformat.EndReason.STOP, 0));
        }
        double writeS = (System.nanoTime() - t0) / 1e9;

        long o0 = System.nanoTime();
        try (Trace t = Trace.open(dir)) {
            double openMs = (System.nanoTime() - o0) / 1e6;
            long total = t.totalInstructions();
            long blocks = t.blockCount();
            double[] us = new double[1000];
            for (int i = 0; i < us.length; i++) {
                long target = (long) (rnd.nextDouble() * total);
                long s0 = System.nanoTime();
                try (EntryCursor c = t.firstEntryAtOrAfter(target)) {
                    LogEntry e = c.next();
                    if (e.instret() < target) throw new AssertionError(e + " is before " + target);
                }
                us[i] = (System.nanoTime() - s0) / 1e3;
            }
            Arrays.sort(us);
            System.out.printf("synthetic trace: %,d instructions, %,d entries in %,d blocks, written in %.1f s%n",
                    total, entries, blocks, writeS);
            System.out.printf("open: %.1f ms; seek to a random instruction + read the entry: median %.0f us, p99 %.0f us, max %.0f us (1000 seeks)%n",
                    openMs, us[us.length / 2], us[us.length * 99 / 100], us[us.length - 1]);
        }
    }
}
