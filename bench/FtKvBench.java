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
 * For each number of clients, kvserver runs under `lockstep run` and under a primary + backup pair (one
 * pair per --durability asked for), side by side, each on a fresh disk, and the same load is measured against each in turn: N closed-loop clients
 * (threads sharing one KvClient, which multiplexes them over the one dgram wire), each sending 3 PUTs (each
 * written and flushed to the disk before its reply) to 1 GET. The sides' slices of load alternate, a few
 * seconds each, so that all see the same noise on a shared machine (see main).
 */
public class FtKvBench {
    static Path dir;
    static String launcher;
    static final List<Process> children = new ArrayList<>();
    static int runs;

    /**
     * Where a process runs: on {@code cpus} if not null (taskset's list, under --pin), in network namespace
     * {@code ns} if not null (under --netns), reachable at {@code ip}.
     */
    record Host(String cpus, String ns, String ip) {}

    /** Starts {@code lockstep args} on {@code host}. */
    static Process start(String name, Host host, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (host.ns() != null) cmd.addAll(List.of("ip", "netns", "exec", host.ns()));
        if (host.cpus() != null) cmd.addAll(List.of("taskset", "-c", host.cpus()));
        cmd.add(launcher);
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
        // kvserver logs one record per sector: 1 GiB (sparse) holds the 2M writes of a long run at 16 clients.
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) { f.setLength(1L << 30); }
        return p;
    }

    /**
     * One measured slice of load on one server: its requests, their latencies (ns), the servers' CPU and switches,
     * and the host's CPU time stolen and in iowait over the slice ({@code steal}, {@code iowait}: fractions; NaN off Linux).
     */
    record Slice(double seconds, int requests, long[] puts, long[] gets, long cpuNanos, long switches, double steal, double iowait) {
        double opsPerSec() { return requests / seconds; }
    }

    /** The host's CPU time by state from /proc/stat's "cpu" line (user nice system idle iowait irq softirq steal), or null. */
    static long[] hostCpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) return Arrays.stream(line.substring(4).trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
            }
        } catch (Exception e) {
            // not Linux
        }
        return null;
    }

    static final int IOWAIT = 4, STEAL = 7;

    /** Of the host's CPU time between readings {@code a} and {@code b}, the fraction in state {@code state}. */
    static double share(long[] a, long[] b, int state) {
        if (a == null || b == null || a.length <= STEAL || b.length <= STEAL) return Double.NaN;
        long total = 0;
        for (int i = 0; i <= STEAL; i++) total += b[i] - a[i];
        return total <= 0 ? Double.NaN : (double) (b[state] - a[state]) / total;
    }

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

    /**
     * A kvserver under test, plain or FT, with its own client and wire; it stays up, idle between its
     * slices of load, so that the two sides' slices can alternate a few seconds apart.
     */
    static final class Side {
        final String name;
        final KvClient client;
        final List<Process> servers;
        final List<Slice> slices = new ArrayList<>();
        /** Requests served, warm-up included. */
        long served;

        Side(String name, KvClient client, List<InetSocketAddress> ends, List<Process> servers) {
            this.name = name;
            this.client = client;
            this.servers = servers;
            client.connect(ends);
            client.put("w", "x");
        }

        /** {@code clients} closed-loop clients for {@code seconds}; the slice is kept if {@code measured}. */
        Slice load(ExecutorService pool, int clients, double seconds, boolean measured) throws Exception {
            long cpu0 = cpu(servers), sw0 = switches(servers);
            long[] host0 = hostCpu();
            long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
            List<Future<Latencies>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int me = i;
                all.add(pool.submit(() -> client(client, me, Math.min(100, 800 / clients), end))); // kvserver holds 1023 keys
            }
            List<Latencies> each = new ArrayList<>();
            for (Future<Latencies> f : all) each.add(f.get());
            long t1 = System.nanoTime();
            long cpu1 = cpu(servers), sw1 = switches(servers);
            long[] host1 = hostCpu();
            long[] p = new long[each.stream().mapToInt(Latencies::np).sum()], g = new long[each.stream().mapToInt(Latencies::ng).sum()];
            int np = 0, ng = 0, n = 0;
            for (Latencies l : each) {
                System.arraycopy(l.puts(), 0, p, np, l.np());
                System.arraycopy(l.gets(), 0, g, ng, l.ng());
                np += l.np();
                ng += l.ng();
                n += l.requests();
            }
            Slice s = new Slice((t1 - t0) / 1e9, n, p, g, cpu1 - cpu0, sw1 - sw0, share(host0, host1, STEAL),
                    share(host0, host1, IOWAIT));
            if (measured) slices.add(s);
            served += n;
            return s;
        }

        double seconds() { return slices.stream().mapToDouble(Slice::seconds).sum(); }
        int requests() { return slices.stream().mapToInt(Slice::requests).sum(); }
        double opsPerSec() { return requests() / seconds(); }

        /** The {@code q} quantile (0..1) of every measured slice's latencies, in microseconds. */
        double quantile(boolean puts, double q) {
            long[] all = slices.stream().flatMapToLong(s -> Arrays.stream(puts ? s.puts() : s.gets())).sorted().toArray();
            return all.length == 0 ? Double.NaN : all[Math.min(all.length - 1, (int) (all.length * q))] / 1e3;
        }

        double cpuPerRequest() { return slices.stream().mapToLong(Slice::cpuNanos).sum() / 1e3 / requests(); }
        double switchesPerRequest() { return (double) slices.stream().mapToLong(Slice::switches).sum() / requests(); }

        /** The host's steal or iowait share over the measured slices, weighted by their length. */
        double hostShare(java.util.function.ToDoubleFunction<Slice> share) {
            return slices.stream().mapToDouble(x -> share.applyAsDouble(x) * x.seconds()).sum() / seconds();
        }

        /** Stops the guest and its processes. */
        void shutdown() throws Exception {
            client.shutdown();
            for (Process p : servers) p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            client.close();
        }
    }

    static KvClient newClient() {
        return new KvClient(new InetSocketAddress(HOST_C.ip(), 0)).retryEvery(Duration.ofMillis(500)).giveUpAfter(Duration.ofSeconds(60));
    }

    /** The --netdev of a machine on {@code host}: its end of the wire there, the client's end on HOST_C. */
    static String netdev(Host host, int wire, KvClient c) {
        return "dgram,local=" + host.ip() + ":" + wire + ",remote=" + HOST_C.ip() + ":" + c.localAddress().getPort();
    }

    /** The machine ends of the wire a client of a pair is given: one per host. */
    static List<InetSocketAddress> ends(int wire, Host... hosts) {
        return Arrays.stream(hosts).map(h -> new InetSocketAddress(h.ip(), wire)).distinct().toList();
    }

    static Side plain(int n) throws Exception {
        KvClient c = newClient();
        int wire = udpPort();
        Process p = start("run-" + n, HOST_A, "run", "--drive", "file=" + disk("run-" + n + ".img"), "--netdev", netdev(HOST_A, wire, c),
                "kvserver");
        return new Side("lockstep run", c, ends(wire, HOST_A), List.of(p));
    }

    /** An FT pair whose processes are named {@code ft-*-TAG}, with {@code --durability durability}. */
    static Side ft(String tag, String arbiter, String durability) throws Exception {
        KvClient c = newClient();
        int wire = udpPort(), bp = tcpPort();
        String disk = "file=" + disk("ft-" + tag + ".img");
        List<String> b = new ArrayList<>(List.of("backup", "--listen", HOST_B.ip() + ":" + bp, "--arbiter", arbiter, "--trace",
                "ft-trace-" + tag, "--drive", disk, "--netdev", netdev(HOST_B, wire, c), "--durability", durability));
        Process backup = start("ft-backup-" + tag, HOST_B, b.toArray(String[]::new));
        await("ft-backup-" + tag, "waiting for the primary");
        List<String> pr = new ArrayList<>(List.of("primary", "--backup", HOST_B.ip() + ":" + bp, "--arbiter", arbiter,
                "--console", "" + tcpPort(), "--drive", disk, "--netdev", netdev(HOST_A, wire, c), "--durability", durability));
        pr.add("kvserver");
        Process p = start("ft-primary-" + tag, HOST_A, pr.toArray(String[]::new));
        await("ft-backup-" + tag, "backing up primary");
        return new Side("FT, " + durability + " durability", c, ends(wire, HOST_A, HOST_B), List.of(p, backup));
    }

    /** What FT run {@code n}'s primary sent its backup: bytes and batches, or null if the backup did not follow it to the end. */
    record Sent(long bytes, long batches) {}

    static Sent ftSent(String n) throws Exception {
        String bl = log("ft-backup-" + n);
        if (!bl.contains("the guest ended") || bl.contains("DIVERGENCE")) {
            System.err.println("the backup of FT run " + n + " did not follow the primary to the end:\n" + bl);
            keep = true;
            return null;
        }
        var m = java.util.regex.Pattern.compile("([0-9,]+) bytes sent to backups in ([0-9,]+) batches").matcher(log("ft-primary-" + n));
        if (!m.find()) throw new IllegalStateException("the primary of FT run " + n + " did not say what it sent:\n" + log("ft-primary-" + n));
        return new Sent(Long.parseLong(m.group(1).replace(",", "")), Long.parseLong(m.group(2).replace(",", "")));
    }

    static void row(int clients, Side s, String mbits) {
        System.out.printf("| %7d | %-24s | %10.0f | %6.0f us | %6.0f us | %6.0f us | %6.0f us | %10s | %8.0f us | %8.1f |%n", clients,
                s.name, s.opsPerSec(), s.quantile(true, 0.5), s.quantile(true, 0.99), s.quantile(false, 0.5), s.quantile(false, 0.99),
                mbits, s.cpuPerRequest(), s.switchesPerRequest());
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /**
     * The primary's host (and a plain run's), the backup's, and the clients' and arbiter's: on loopback, or
     * under --netns in two network namespaces and the bridge between them; under --pin, A on the first half
     * of the CPUs, B and C on the other half.
     */
    static Host HOST_A = new Host(null, null, "127.0.0.1"), HOST_B = HOST_A, HOST_C = HOST_A;

    /**
     * Usage: FtKvBench LAUNCHER [SECONDS] [CLIENTS,CLIENTS,...] [ROUNDS] [WARMUP_SECONDS] [DISK_DIR] [--pin]
     * [--netns] [--durability MODE,MODE,...]
     *
     * <p>For each number of clients, a plain run and an FT pair per durability (default: disk and replica)
     * are started side by side, each on a fresh disk with its own client, and all stay up; only one is
     * under load at a time. After WARMUP seconds of load each (alternating in slices of at most 5 s),
     * ROUNDS rounds load each side for SECONDS in turn (the order rotating from round to round), so that
     * the measurements of a round are seconds apart and see the same machine. A ratio is the median of
     * the rounds' ratios of an FT side to the plain run.
     */
    /**
     * {@code n} failovers of a kvserver pair under one client writing: SIGKILL of the primary to the first
     * answer from the new primary (the client re-sends every 10 ms, so that its wait adds little), each new
     * primary getting a new backup through --join, whose state-transfer pause its log gives.
     */
    static void failovers(String arbiter, String durability, int n) throws Exception {
        KvClient c = new KvClient(new InetSocketAddress(HOST_C.ip(), 0)).retryEvery(Duration.ofMillis(10)).giveUpAfter(Duration.ofSeconds(60));
        int wire = udpPort(), bp = tcpPort();
        String tag = "fo-" + durability;
        String disk = "file=" + disk(tag + ".img");
        List<String> b = new ArrayList<>(List.of("backup", "--listen", HOST_B.ip() + ":" + bp, "--arbiter", arbiter, "--trace",
                tag + "-trace-0", "--drive", disk, "--netdev", netdev(HOST_B, wire, c), "--durability", durability));
        String backupName = tag + "-b0";
        Process backup = start(backupName, HOST_B, b.toArray(String[]::new));
        await(backupName, "waiting for the primary");
        List<String> pr = new ArrayList<>(List.of("primary", "--backup", HOST_B.ip() + ":" + bp, "--arbiter", arbiter,
                "--console", "" + tcpPort(), "--drive", disk, "--netdev", netdev(HOST_A, wire, c), "--durability", durability));
        pr.add("kvserver");
        Process primary = start(tag + "-p", HOST_A, pr.toArray(String[]::new));
        await(backupName, "backing up primary");
        c.connect(ends(wire, HOST_A, HOST_B));
        Host primaryHost = HOST_A, backupHost = HOST_B; // they swap at each failover: the new backup takes the dead primary's host
        double[] took = new double[n];
        List<Double> pauses = new ArrayList<>(), stalls = new ArrayList<>();
        int joinPort = bp;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 300; k++) c.put("f" + (k % 50), "v" + i + "-" + k);
            long kill = System.nanoTime();
            primary.destroyForcibly();
            c.put("f0", "after-" + i); // answered by the new primary
            took[i] = (System.nanoTime() - kill) / 1e6;
            primary = backup;
            Host freed = primaryHost;
            primaryHost = backupHost;
            backupHost = freed;
            String next = tag + "-b" + (i + 1);
            int port = tcpPort();
            List<String> j = new ArrayList<>(List.of("backup", "--join", primaryHost.ip() + ":" + joinPort, "--listen",
                    backupHost.ip() + ":" + port, "--arbiter", arbiter, "--trace", tag + "-trace-" + (i + 1), "--drive", disk,
                    "--netdev", netdev(backupHost, wire, c), "--durability", durability));
            // A second client writes back to back throughout the join: its longest wait is the pause the service shows.
            java.util.concurrent.atomic.AtomicBoolean joining = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicLong longest = new java.util.concurrent.atomic.AtomicLong();
            Thread writer = new Thread(() -> {
                for (int k = 0; joining.get(); k++) {
                    long t0 = System.nanoTime();
                    c.put("j" + (k % 50), "w" + k);
                    longest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                }
            });
            writer.start();
            Thread.sleep(50); // its requests flow before the join starts
            backup = start(next, backupHost, j.toArray(String[]::new));
            await(next, "backing up primary");
            Thread.sleep(200); // and after it: the first replies after the new backup's ready ack
            joining.set(false);
            writer.join();
            stalls.add(longest.get() / 1e6);
            var m = java.util.regex.Pattern.compile("state transfer: ([0-9.]+) ms").matcher(log(backupName));
            while (m.find()) pauses.add(Double.parseDouble(m.group(1)));
            backupName = next;
            joinPort = port;
        }
        c.shutdown();
        primary.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        c.close();
        Arrays.sort(took);
        double[] p = pauses.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] st = stalls.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf("failover (kvserver, --durability %s), SIGKILL -> first answer from the new primary: median %.0f ms, max %.0f ms"
                + " (n=%d); --join pause median %.1f ms, max %.1f ms (n=%d); longest reply to a client writing through the join"
                + " median %.1f ms, max %.1f ms%n", durability, took[n / 2], took[n - 1], n,
                p.length == 0 ? Double.NaN : p[p.length / 2], p.length == 0 ? Double.NaN : p[p.length - 1], p.length,
                st[st.length / 2], st[st.length - 1]);
    }

    public static void main(String[] args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        boolean pin = a.remove("--pin");
        boolean netns = a.remove("--netns");
        keep = a.remove("--keep");
        List<String> durabilities = List.of("disk", "replica");
        int d = a.indexOf("--durability");
        if (d >= 0) {
            durabilities = List.of(a.get(d + 1).split(","));
            a.remove(d + 1);
            a.remove(d);
        }
        int failovers = 0;
        int fo = a.indexOf("--failovers");
        if (fo >= 0) {
            failovers = Integer.parseInt(a.get(fo + 1));
            a.remove(fo + 1);
            a.remove(fo);
        }
        launcher = Path.of(a.get(0)).toAbsolutePath().toString(); // children start in the run's directory
        double seconds = a.size() > 1 ? Double.parseDouble(a.get(1)) : 10;
        int[] clientCounts = Arrays.stream((a.size() > 2 ? a.get(2) : "1,8").split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = a.size() > 3 ? Integer.parseInt(a.get(3)) : 5;
        // Under FT two JVMs compile the emulator (and the trace's code) while sharing the cores: with 10-15 s the
        // FT side's rounds still rose through a run (docs/live-ft.md), so 40 s by default.
        double warmup = a.size() > 4 ? Double.parseDouble(a.get(4)) : 40;
        dir = Files.createTempDirectory("ftkvbench");
        disks = a.size() > 5 ? Files.createTempDirectory(Path.of(a.get(5)), "ftkvbench") : dir;
        int cpus = Runtime.getRuntime().availableProcessors();
        if (pin) {
            if (cpus < 2) throw new IllegalArgumentException("--pin needs two CPUs");
            // Two hosts on one machine: the primary (or the plain run) alone on the first half of the CPUs, the
            // backup on the other half with the clients and the arbiter, as a third host would be.
            HOST_A = new Host("0-" + (cpus / 2 - 1), null, HOST_A.ip());
            HOST_B = HOST_C = new Host(cpus / 2 + "-" + (cpus - 1), null, HOST_B.ip());
            new ProcessBuilder("taskset", "-a", "-cp", HOST_B.cpus(), "" + ProcessHandle.current().pid()).redirectOutput(
                    ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
        if (netns) {
            // bench/netns.sh made them: two hosts' network stacks, bridged to this one (the clients' and arbiter's).
            HOST_A = new Host(HOST_A.cpus(), "lockstep-a", "10.99.0.2");
            HOST_B = new Host(HOST_B.cpus(), "lockstep-b", "10.99.0.3");
            HOST_C = new Host(HOST_C.cpus(), null, "10.99.0.1");
        }
        try {
            int arb = tcpPort();
            start("arbiter", HOST_C, "arbiter", "--listen", HOST_C.ip() + ":" + arb, "--state", "arbiter.state");
            await("arbiter", "serving");
            String arbiter = "tas://" + HOST_C.ip() + ":" + arb;
            List<Side[]> sides = new ArrayList<>();
            List<List<List<Double>>> ratios = new ArrayList<>(); // [client count][FT side][round]
            List<List<Sent>> sent = new ArrayList<>();
            for (int clients : clientCounts) {
                int n = ++runs;
                Side[] all = new Side[1 + durabilities.size()];
                all[0] = plain(n);
                for (int i = 0; i < durabilities.size(); i++) all[i + 1] = ft(n + "-" + durabilities.get(i), arbiter, durabilities.get(i));
                ExecutorService pool = Executors.newFixedThreadPool(clients);
                for (double left = warmup; left > 0; left -= 5) {
                    for (Side s : all) s.load(pool, clients, Math.min(5, left), false);
                }
                List<List<Double>> rs = new ArrayList<>();
                for (int i = 1; i < all.length; i++) rs.add(new ArrayList<>());
                for (int r = 0; r < rounds; r++) {
                    // Rotate which side goes first, so that none always runs on a warmer (or busier) machine.
                    Slice[] got = new Slice[all.length];
                    for (int k = 0; k < all.length; k++) {
                        int i = (r + k) % all.length;
                        got[i] = all[i].load(pool, clients, seconds, true);
                    }
                    StringBuilder line = new StringBuilder(String.format("%d clients, round %d: run %.0f/s (CPU/request %.0f us, steal %.0f%%)",
                            clients, r + 1, got[0].opsPerSec(), got[0].cpuNanos() / 1e3 / got[0].requests(), 100 * got[0].steal()));
                    for (int i = 1; i < all.length; i++) {
                        double ratio = got[i].opsPerSec() / got[0].opsPerSec();
                        rs.get(i - 1).add(ratio);
                        line.append(String.format("; %s %.0f/s (%.2f, CPU/request %.0f us, steal %.0f%%)", all[i].name, got[i].opsPerSec(),
                                ratio, got[i].cpuNanos() / 1e3 / got[i].requests(), 100 * got[i].steal()));
                    }
                    System.err.println(line);
                }
                pool.shutdown();
                for (Side s : all) s.shutdown();
                sides.add(all);
                ratios.add(rs);
                List<Sent> ss = new ArrayList<>();
                for (String du : durabilities) ss.add(ftSent(n + "-" + du));
                sent.add(ss);
            }
            System.out.printf("FT benchmark: kvserver (virtio-net + a shared virtio-blk log), closed-loop clients, 3 PUT : 1 GET,"
                    + " %d round(s) of %.0f s on each side after %.0f s of warm-up each, %d CPUs%s%s, disks in %s%n%n", rounds, seconds,
                    warmup, cpus, pin ? " (pinned: primary or plain run on " + HOST_A.cpus() + ", backup and clients on " + HOST_B.cpus() + ")"
                            : " shared by all",
                    netns ? "; primary, backup and clients in three network namespaces on a bridge" : "", disks == dir ? "the temporary directory" : a.get(5));
            System.out.printf("| %7s | %-24s | %10s | %9s | %9s | %9s | %9s | %10s | %11s | %8s |%n", "clients", "run", "requests/s",
                    "PUT p50", "PUT p99", "GET p50", "GET p99", "log Mbit/s", "CPU/request", "cs/req");
            System.out.println("|---------|--------------------------|------------|-----------|-----------|-----------|-----------|------------|"
                    + "-------------|----------|");
            for (int i = 0; i < clientCounts.length; i++) {
                Side[] all = sides.get(i);
                row(clientCounts[i], all[0], "");
                for (int k = 1; k < all.length; k++) {
                    Sent f = sent.get(i).get(k - 1);
                    double loaded = all[k].seconds() + warmup;
                    row(clientCounts[i], all[k], f == null ? "BACKUP FAILED" : String.format("%.2f", f.bytes() * 8 / loaded / 1e6));
                }
            }
            System.out.println();
            for (int i = 0; i < clientCounts.length; i++) {
                for (int k = 1; k < sides.get(i).length; k++) {
                    List<Double> rs = ratios.get(i).get(k - 1);
                    Sent f = sent.get(i).get(k - 1);
                    System.out.printf("throughput ratio %s / run, %d client(s): %.2f (median of %s)%s%n", sides.get(i)[k].name,
                            clientCounts[i], median(rs), rs.stream().map(x -> String.format("%.2f", x)).toList(), f == null ? ""
                                    : String.format("; FT sent %.2f batches per request", (double) f.batches() / sides.get(i)[k].served));
                }
            }
            for (int i = 0; i < clientCounts.length; i++) {
                StringBuilder host = new StringBuilder(String.format("host CPU stolen / in iowait while measured, %d client(s):", clientCounts[i]));
                for (Side side : sides.get(i)) {
                    host.append(String.format(" %s %.0f%% / %.0f%%;", side.name, 100 * side.hostShare(Slice::steal),
                            100 * side.hostShare(Slice::iowait)));
                }
                System.out.println(host.substring(0, host.length() - 1) + " (a ratio measured under steal measures the host)");
            }
            System.out.println("requests/s, latencies, CPU/request and cs/req are over all the measured slices of a side; CPU/request and"
                    + " cs/req count the server processes (the primary and the backup under FT); log Mbit/s: bytes the primary sent to"
                    + " its backup (boot and idle heartbeats included) over the time it was under load");
            for (String du : durabilities) {
                if (failovers > 0) failovers(arbiter, du, failovers);
            }
        } catch (Throwable t) {
            keep = true;
            throw t;
        } finally {
            for (Process p : children) p.destroyForcibly();
            for (Process p : children) p.waitFor();
            if (disks != dir) {
                try (var images = Files.list(disks)) {
                    for (Path p : images.toList()) Files.deleteIfExists(p);
                }
                Files.deleteIfExists(disks);
            }
            cleanUp();
        }
    }

    /** Set on failure (or by --keep): the logs, images and traces stay for a look. */
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
