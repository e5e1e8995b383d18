// FT benchmark for kvserver: throughput and latency under plain `lockstep run` vs a primary + backup pair.
// Run by bench/ft.sh kv (java single-file launch on lockstep's class path); prints a table.
import dev.lockstep.kvclient.KvClient;
import java.io.File;
import java.io.RandomAccessFile;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * For each number of clients, kvserver runs under `lockstep run` and then under a primary + backup pair,
 * each a fresh process on a fresh disk, and the same load is measured against both: N closed-loop clients
 * (threads sharing one KvClient, which multiplexes them over the one dgram wire), each sending 3 PUTs (each
 * written and flushed to the disk before its reply) to 1 GET. With several rounds, runs interleave so that
 * both sides see the same noise on a shared machine.
 */
public class FtKvBench {
    static Path dir;
    static String launcher;
    static final List<Process> children = new ArrayList<>();
    static int runs;

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

    static int tcpPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) { return s.getLocalPort(); }
    }

    static int udpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) { return s.getLocalPort(); }
    }

    /** Where the disk images go: the bench's directory, or another file system (tmpfs, to leave out the disk's latency). */
    static Path disks;

    static Path disk(String name) throws Exception {
        Path p = disks.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) { f.setLength(256 << 20); }
        return p;
    }

    /** {@code seconds}: the measured part; {@code loadedSeconds}: the warm-up, under the same load, and the measured part. */
    record Load(int clients, double seconds, double loadedSeconds, double opsPerSec, double putP50, double putP99, double getP50,
                double getP99, double cpuPerRequest, double switchesPerRequest) {}

    /** One closed-loop client's latencies, in nanoseconds. */
    record Latencies(long[] puts, int np, long[] gets, int ng, int requests) {}

    static Latencies client(KvClient c, int me, int keys, long end) {
        long[] puts = new long[1_000_000], gets = new long[1_000_000];
        int np = 0, ng = 0, n = 0;
        while (System.nanoTime() < end && np < puts.length) {
            long s = System.nanoTime();
            if ((n & 3) == 0) {
                c.get("k" + me + "-" + (n % keys));
                gets[ng++] = System.nanoTime() - s;
            } else {
                c.put("k" + me + "-" + (n % keys), "value-" + n);
                puts[np++] = System.nanoTime() - s;
            }
            n++;
        }
        return new Latencies(puts, np, gets, ng, n);
    }

    /** {@code clients} closed-loop clients until {@code end} (System.nanoTime). */
    static List<Latencies> clients(ExecutorService pool, KvClient c, int clients, long end) throws Exception {
        List<Future<Latencies>> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int me = i;
            all.add(pool.submit(() -> client(c, me, Math.min(100, 800 / clients), end))); // kvserver holds 1023 keys
        }
        List<Latencies> each = new ArrayList<>();
        for (Future<Latencies> f : all) each.add(f.get());
        return each;
    }

    /**
     * {@code clients} closed-loop clients for {@code warmup} seconds, not measured (the JIT compiles the
     * emulator, and under FT two JVMs compete for the cores while it does), then for {@code seconds},
     * measured; then the server is shut down.
     */
    /** CPU time (ns) the server processes have used so far. */
    static long cpu(List<Process> servers) {
        return servers.stream().mapToLong(p -> p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L)).sum();
    }

    /** Context switches (voluntary and not) of every thread of the server processes so far (Linux; 0 elsewhere). */
    static long switches(List<Process> servers) {
        long n = 0;
        for (Process p : servers) {
            File[] tasks = new File("/proc/" + p.pid() + "/task").listFiles();
            if (tasks == null) continue;
            for (File t : tasks) {
                try {
                    for (String line : Files.readAllLines(t.toPath().resolve("status"))) {
                        if (line.contains("ctxt_switches:")) n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                } catch (Exception e) {
                    // the thread ended
                }
            }
        }
        return n;
    }

    static Load load(KvClient c, int wire, int clients, double warmup, double seconds, List<Process> servers) throws Exception {
        c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), wire));
        c.put("w", "x");
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long w0 = System.nanoTime();
        clients(pool, c, clients, w0 + (long) (warmup * 1e9));
        long cpu0 = cpu(servers), sw0 = switches(servers);
        long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
        List<Latencies> each = clients(pool, c, clients, end);
        long t1 = System.nanoTime();
        long cpu1 = cpu(servers), sw1 = switches(servers);
        double secs = (t1 - t0) / 1e9;
        pool.shutdown();
        long[] p = new long[each.stream().mapToInt(Latencies::np).sum()], g = new long[each.stream().mapToInt(Latencies::ng).sum()];
        int np = 0, ng = 0, n = 0;
        for (Latencies l : each) {
            System.arraycopy(l.puts(), 0, p, np, l.np());
            System.arraycopy(l.gets(), 0, g, ng, l.ng());
            np += l.np();
            ng += l.ng();
            n += l.requests();
        }
        Arrays.sort(p);
        Arrays.sort(g);
        c.shutdown();
        return new Load(clients, secs, (t1 - w0) / 1e9, n / secs, p[np / 2] / 1e3, p[(int) (np * 0.99)] / 1e3, g[ng / 2] / 1e3,
                g[(int) (ng * 0.99)] / 1e3, (cpu1 - cpu0) / 1e3 / n, (double) (sw1 - sw0) / n);
    }

    static KvClient newClient() { return new KvClient().retryEvery(Duration.ofMillis(500)).giveUpAfter(Duration.ofSeconds(60)); }

    static String netdev(int wire, KvClient c) {
        return "dgram,local=127.0.0.1:" + wire + ",remote=127.0.0.1:" + c.localAddress().getPort();
    }

    static Load plain(int clients, double warmup, double seconds) throws Exception {
        int n = ++runs;
        try (KvClient c = newClient()) {
            int wire = udpPort();
            Process p = start("run-" + n, "run", "--drive", "file=" + disk("run-" + n + ".img"), "--netdev", netdev(wire, c), "kvserver");
            Load l = load(c, wire, clients, warmup, seconds, List.of(p));
            p.waitFor();
            return l;
        }
    }

    /** The load under FT, the bytes the primary sent to its backup, and whether the backup followed to the end. */
    record FtLoad(Load load, long bytes, boolean backupFollowed) {
        double mbits() { return bytes * 8 / load.loadedSeconds() / 1e6; }
    }

    static FtLoad ft(String arbiter, int clients, double warmup, double seconds) throws Exception {
        int n = ++runs;
        try (KvClient c = newClient()) {
            int wire = udpPort(), bp = tcpPort();
            String[] dev = {"--drive", "file=" + disk("ft-" + n + ".img"), "--netdev", netdev(wire, c)};
            List<String> b = new ArrayList<>(List.of("backup", "--listen", "" + bp, "--arbiter", arbiter, "--trace", "ft-trace-" + n));
            b.addAll(List.of(dev));
            Process backup = start("ft-backup-" + n, b.toArray(String[]::new));
            await("ft-backup-" + n, "waiting for the primary");
            List<String> pr = new ArrayList<>(List.of("primary", "--backup", "127.0.0.1:" + bp, "--arbiter", arbiter,
                    "--console", "" + tcpPort()));
            pr.addAll(List.of(dev));
            pr.add("kvserver");
            Process p = start("ft-primary-" + n, pr.toArray(String[]::new));
            await("ft-backup-" + n, "backing up primary");
            Load l = load(c, wire, clients, warmup, seconds, List.of(p, backup));
            p.waitFor();
            backup.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            String bl = log("ft-backup-" + n);
            boolean followed = bl.contains("the guest ended") && !bl.contains("DIVERGENCE");
            if (!followed) System.err.println("the backup of FT run " + n + " did not follow the primary to the end:\n" + bl);
            var m = java.util.regex.Pattern.compile("([0-9,]+) bytes sent to backups").matcher(log("ft-primary-" + n));
            return new FtLoad(l, m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1, followed);
        }
    }

    static void row(String clients, String run, Load l, String mbits) {
        System.out.printf("| %7s | %-21s | %10.0f | %6.0f us | %6.0f us | %6.0f us | %6.0f us | %10s | %8.0f us | %8.1f |%n", clients,
                run, l.opsPerSec(), l.putP50(), l.putP99(), l.getP50(), l.getP99(), mbits, l.cpuPerRequest(), l.switchesPerRequest());
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /** Usage: FtKvBench LAUNCHER [SECONDS] [CLIENTS,CLIENTS,...] [ROUNDS] [WARMUP_SECONDS] [DISK_DIR] */
    public static void main(String[] a) throws Exception {
        launcher = a[0];
        double seconds = a.length > 1 ? Double.parseDouble(a[1]) : 10;
        int[] clientCounts = Arrays.stream((a.length > 2 ? a[2] : "1,8").split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = a.length > 3 ? Integer.parseInt(a[3]) : 1;
        // Under FT two JVMs compile the emulator (and the trace's code) while sharing the cores: ~15 s here.
        double warmup = a.length > 4 ? Double.parseDouble(a[4]) : 15;
        dir = Files.createTempDirectory("ftkvbench");
        disks = a.length > 5 ? Files.createTempDirectory(Path.of(a[5]), "ftkvbench") : dir;
        try {
            int arb = tcpPort();
            start("arbiter", "arbiter", "--listen", "" + arb, "--state", "arbiter.state");
            await("arbiter", "serving");
            String arbiter = "tas://127.0.0.1:" + arb;
            List<String> rows = new ArrayList<>();
            List<List<Double>> ratios = new ArrayList<>();
            for (int ignored : clientCounts) ratios.add(new ArrayList<>());
            List<Load[]> plainRuns = new ArrayList<>();
            List<FtLoad[]> ftRuns = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                Load[] pr = new Load[clientCounts.length];
                FtLoad[] fr = new FtLoad[clientCounts.length];
                for (int i = 0; i < clientCounts.length; i++) {
                    // Alternate which side goes first, so that neither always runs on a warmer (or busier) machine.
                    if ((r & 1) == 0) {
                        pr[i] = plain(clientCounts[i], warmup, seconds);
                        fr[i] = ft(arbiter, clientCounts[i], warmup, seconds);
                    } else {
                        fr[i] = ft(arbiter, clientCounts[i], warmup, seconds);
                        pr[i] = plain(clientCounts[i], warmup, seconds);
                    }
                    ratios.get(i).add(fr[i].load().opsPerSec() / pr[i].opsPerSec());
                    System.err.printf("round %d, %d clients: run %.0f/s, FT %.0f/s (%.2f); CPU/request %.0f us, FT %.0f us;"
                            + " switches/request %.1f, FT %.1f%n", r + 1, clientCounts[i], pr[i].opsPerSec(), fr[i].load().opsPerSec(),
                            fr[i].load().opsPerSec() / pr[i].opsPerSec(), pr[i].cpuPerRequest(), fr[i].load().cpuPerRequest(),
                            pr[i].switchesPerRequest(), fr[i].load().switchesPerRequest());
                }
                plainRuns.add(pr);
                ftRuns.add(fr);
            }
            System.out.printf("FT benchmark: kvserver (virtio-net + a shared virtio-blk log), closed-loop clients, 3 PUT : 1 GET,"
                    + " %.0f s measured after %.0f s of warm-up under the same load, %d round(s) (%d cores), disks in %s%n%n", seconds,
                    warmup, rounds, Runtime.getRuntime().availableProcessors(), disks == dir ? "the temporary directory" : a[5]);
            System.out.printf("| %7s | %-21s | %10s | %9s | %9s | %9s | %9s | %10s | %11s | %8s |%n", "clients", "run", "requests/s",
                    "PUT p50", "PUT p99", "GET p50", "GET p99", "log Mbit/s", "CPU/request", "cs/req");
            System.out.println("|---------|-----------------------|------------|-----------|-----------|-----------|-----------|------------|"
                    + "-------------|----------|");
            for (int i = 0; i < clientCounts.length; i++) {
                for (int r = 0; r < rounds; r++) {
                    row("" + clientCounts[i], "lockstep run", plainRuns.get(r)[i], "");
                    FtLoad f = ftRuns.get(r)[i];
                    row("" + clientCounts[i], f.backupFollowed() ? "primary + backup (FT)" : "FT, BACKUP FAILED", f.load(),
                            String.format("%.2f", f.mbits()));
                }
            }
            System.out.println();
            for (int i = 0; i < clientCounts.length; i++) {
                List<Double> rs = ratios.get(i);
                System.out.printf("throughput ratio FT / run, %d client(s): %.2f%s%n", clientCounts[i], median(rs), rs.size() == 1 ? ""
                        : " (median of " + rs.stream().map(x -> String.format("%.2f", x)).toList() + ")");
            }
            System.out.println("log Mbit/s: bytes the primary sent to its backup over the warm-up and the measured load (boot included)");
            System.out.println("CPU/request, cs/req: CPU time and context switches of the server processes (the primary and the"
                    + " backup under FT) per request, over the measured load");
        } finally {
            for (Process p : children) p.destroyForcibly();
            if (disks != dir) {
                try (var images = Files.list(disks)) {
                    for (Path p : images.toList()) Files.deleteIfExists(p);
                }
                Files.deleteIfExists(disks);
            }
        }
    }
}
