// `lockstep bench-debugger`: the time-travel debugger's costs on a long recording, as a table (bench/debugger.sh).
package dev.lockstep.shell;

import dev.lockstep.emulator.Machine;
import dev.lockstep.shell.debug.Debugger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Measures open, random seeks, reverse steps, a reverse continue to a far watchpoint (on writes, then on
 * reads and writes), and resident memory.
 */
@Command(name = "bench-debugger", hidden = true, description = "Measure the debugger on a trace of bench/loop.S.")
final class DebuggerBenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR")
    Path dir;

    @Option(names = "--samples")
    int samples = 15;

    @Option(names = "--watch", description = "A symbol written rarely (bench/loop.S: rare).")
    String watch = "rare";

    @Option(names = "--back", description = "How far back the watchpoint hit should be.")
    long back = 100_000_000L;

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static double secs(long t0) { return (System.nanoTime() - t0) / 1e9; }

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        try (Debugger dbg = Debugger.open(dir)) {
            double open = secs(t0);
            long end = dbg.end();
            Random rnd = new Random(42);
            List<Double> seeks = new ArrayList<>(), rsteps = new ArrayList<>();
            for (int i = 0; i < samples; i++) {
                long target = (long) (rnd.nextDouble() * end);
                long t = System.nanoTime();
                dbg.seek(target);
                seeks.add(secs(t));
                t = System.nanoTime();
                dbg.rstep(1);
                rsteps.add(secs(t));
            }
            long pa = dbg.symbols().parse(watch);
            dbg.seek(end / 2);
            Debugger.Stop w = dbg.lastWrite(pa, 8);
            dbg.seek(Math.min(end, w.writerInstret() + back));
            dbg.addWatchpoint(pa, 8, watch, null);
            long from = dbg.now();
            long t = System.nanoTime();
            Debugger.Stop hit = dbg.rcont();
            double rc = secs(t);
            // Again, now that the first search has left resume points on its way: the baseline for the next.
            dbg.seek(from);
            t = System.nanoTime();
            dbg.rcont();
            double rcAgain = secs(t);
            // The same search with an access watch: the hit is the same write, but every load of the
            // replay (one per iteration of bench/loop.S) takes the TLB's slow path, where reads are checked.
            dbg.deleteAll();
            dbg.seek(from);
            dbg.addWatchpoint(pa, 8, watch, null, Machine.WatchKind.ACCESS);
            t = System.nanoTime();
            Debugger.Stop accessHit = dbg.rcont();
            double rcAccess = secs(t);
            System.out.printf("%-52s %s%n", "measurement", "result");
            System.out.printf("%-52s %,d%n", "recording length (instructions)", end);
            System.out.printf("%-52s %d%n", "checkpoints in the trace", dbg.replayer().trace().checkpoints().list().size());
            System.out.printf("%-52s %.3f s%n", "open", open);
            System.out.printf("%-52s %.3f s (max %.3f)%n", "seek to a random instruction, median of " + samples, median(seeks),
                    Collections.max(seeks));
            System.out.printf("%-52s %.1f ms (max %.1f)%n", "rstep after such a seek, median of " + samples, median(rsteps) * 1e3,
                    Collections.max(rsteps) * 1e3);
            System.out.printf("%-52s %.3f s (%,d instructions back)%n", "rcontinue to a watchpoint hit", rc, from - hit.instret());
            System.out.printf("%-52s %.3f s%n", "the same again (resume points left by the first)", rcAgain);
            System.out.printf("%-52s %.3f s (%,d instructions back)%n", "the same with awatch (every load checked)", rcAccess,
                    from - accessHit.instret());
            System.out.printf("%-52s %d points, %,d bytes%n", "in-memory resume points", dbg.timeTravel().points(),
                    dbg.timeTravel().residentBytes());
            return 0;
        }
    }
}
