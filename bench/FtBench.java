// FT benchmark: kvcons throughput and latency alone vs under FT, logging bandwidth, failover time, --join pause.
// Run by bench/ft.sh (java single-file launch on lockstep's class path); prints a table.
import dev.lockstep.liveft.KvClient;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class FtBench {
    static Path dir;
    static String launcher;
    static final List<Process> children = new ArrayList<>();

    static Process start(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).redirectInput(new File("/dev/null")).start();
        children.add(p);
        return p;
    }

    static String log(String name) throws Exception { return Files.readString(dir.resolve(name + ".log")); }

    static void await(String name, String text) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!log(name).contains(text)) {
            if (System.nanoTime() > deadline) throw new IllegalStateException(name + " never logged " + text + ":\n" + log(name));
            Thread.sleep(10);
        }
    }

    static int port() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) { return s.getLocalPort(); }
    }

    record Load(double opsPerSec, double p50us, double p99us) {}

    static Load load(int console, double seconds) throws Exception {
        try (KvClient c = new KvClient(List.of(new InetSocketAddress("127.0.0.1", console)), 5000, 60_000)) {
            for (int i = 0; i < 2000; i++) c.set("w" + (i % 50), "x" + i); // warm-up
            long[] lat = new long[5_000_000];
            int n = 0;
            long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < end && n < lat.length) {
                long s = System.nanoTime();
                if ((n & 3) == 0) c.get("k" + (n % 100)); else c.set("k" + (n % 100), "value-" + n);
                lat[n++] = System.nanoTime() - s;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long[] l = Arrays.copyOf(lat, n);
            Arrays.sort(l);
            c.call("QUIT");
            return new Load(n / secs, l[n / 2] / 1e3, l[(int) (n * 0.99)] / 1e3);
        }
    }

    static long sentBytes(String name) throws Exception {
        var m = java.util.regex.Pattern.compile("([0-9,]+) bytes sent to backups").matcher(log(name));
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    }

    public static void main(String[] a) throws Exception {
        launcher = Path.of(a[0]).toAbsolutePath().toString(); // children start in the run's directory
        double seconds = Double.parseDouble(a[1]);
        int failovers = Integer.parseInt(a[2]);
        dir = Files.createTempDirectory("ftbench");
        try {
            int arb = port();
            start("arbiter", "arbiter", "--listen", "" + arb, "--state", "arbiter.state");
            await("arbiter", "serving");
            String arbiter = "tas://127.0.0.1:" + arb;

            // 1. the primary alone (no backup: output leaves at once)
            int c1 = port();
            start("alone", "primary", "--arbiter", arbiter, "--console", "" + c1, "kvcons");
            await("alone", "serving the console");
            Load alone = load(c1, seconds);
            children.get(children.size() - 1).waitFor();

            // 2. the same under FT
            int bp = port(), c2 = port();
            start("ft-backup", "backup", "--listen", "" + bp, "--arbiter", arbiter, "--trace", "ft-trace");
            await("ft-backup", "waiting for the primary");
            long t0 = System.nanoTime();
            start("ft-primary", "primary", "--backup", "127.0.0.1:" + bp, "--arbiter", arbiter, "--console", "" + c2, "kvcons");
            await("ft-backup", "backing up primary");
            t0 = System.nanoTime();
            Load ft = load(c2, seconds);
            double ftSecs = (System.nanoTime() - t0) / 1e9;
            children.get(children.size() - 1).waitFor();
            long bytes = sentBytes("ft-primary");

            // 3. failover time and join pause, repeated
            double[] failover = new double[failovers];
            List<Double> pauses = new ArrayList<>();
            int c3 = port(), bp3 = port(), jp = port();
            start("fo-b0", "backup", "--listen", "" + bp3, "--arbiter", arbiter, "--trace", "fo-trace-0");
            await("fo-b0", "waiting for the primary");
            Process primary = start("fo-p", "primary", "--backup", "127.0.0.1:" + bp3, "--arbiter", arbiter, "--console", "" + c3,
                    "--listen", "" + jp, "kvcons");
            await("fo-b0", "backing up primary");
            String backupName = "fo-b0";
            int joinPort = bp3;
            Process backup = children.get(children.size() - 2);
            try (KvClient c = new KvClient(List.of(new InetSocketAddress("127.0.0.1", c3)), 200, 60_000)) {
                for (int i = 0; i < failovers; i++) {
                    for (int k = 0; k < 200; k++) c.set("f" + k, "v" + i);
                    long kill = System.nanoTime();
                    primary.destroyForcibly();
                    c.get("f1"); // answered by the new primary
                    failover[i] = (System.nanoTime() - kill) / 1e6;
                    primary = backup;
                    String nextName = "fo-b" + (i + 1);
                    int next = port();
                    backup = start(nextName, "backup", "--join", "127.0.0.1:" + joinPort, "--listen", "" + next,
                            "--arbiter", arbiter, "--trace", "fo-trace-" + (i + 1));
                    await(nextName, "backing up primary");
                    var m = java.util.regex.Pattern.compile("state transfer: ([0-9.]+) ms").matcher(log(backupName));
                    while (m.find()) pauses.add(Double.parseDouble(m.group(1)));
                    backupName = nextName;
                    joinPort = next;
                }
            }
            Arrays.sort(failover);
            double[] p = pauses.stream().mapToDouble(Double::doubleValue).sorted().toArray();

            System.out.printf("FT benchmark: kvcons over the console service, one client, %.0f s per load run, %d failovers (%d cores)%n",
                    seconds, failovers, Runtime.getRuntime().availableProcessors());
            System.out.println();
            System.out.printf("| %-34s | %12s | %10s | %10s |%n", "run", "requests/s", "p50 (us)", "p99 (us)");
            System.out.printf("| %-34s | %12.0f | %10.0f | %10.0f |%n", "primary alone (no backup)", alone.opsPerSec, alone.p50us, alone.p99us);
            System.out.printf("| %-34s | %12.0f | %10.0f | %10.0f |%n", "primary + backup (FT)", ft.opsPerSec, ft.p50us, ft.p99us);
            System.out.printf("%nthroughput ratio FT / alone: %.2f%n", ft.opsPerSec / alone.opsPerSec);
            System.out.printf("logging bandwidth under FT load: %.2f Mbit/s (%,d bytes in %.1f s)%n", bytes * 8 / ftSecs / 1e6, bytes, ftSecs);
            System.out.printf("failover, SIGKILL -> first answer from the new primary: median %.0f ms, max %.0f ms (n=%d)%n",
                    failover[failover.length / 2], failover[failover.length - 1], failovers);
            if (p.length > 0) System.out.printf("--join pause of the primary (state transfer): median %.1f ms, max %.1f ms (n=%d)%n",
                    p[p.length / 2], p[p.length - 1], p.length);
        } catch (Throwable t) {
            keep = true;
            throw t;
        } finally {
            for (Process p : children) p.destroyForcibly();
            for (Process p : children) p.waitFor();
            cleanUp();
        }
    }

    /** Set on failure: the logs, images and traces stay for a look. */
    static boolean keep;

    /** Deletes the run's directory (traces and images: gigabytes after a long run), or says where it stays. */
    static void cleanUp() throws java.io.IOException {
        if (keep) {
            System.err.println("logs, images and traces kept in " + dir);
            return;
        }
        try (var all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
