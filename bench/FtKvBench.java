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

public class FtKvBench {
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

    static int tcpPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) { return s.getLocalPort(); }
    }

    static int udpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) { return s.getLocalPort(); }
    }

    static Path disk(String name) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) { f.setLength(64 << 20); }
        return p;
    }

    record Load(double opsPerSec, double putP50, double putP99, double getP50, double getP99) {}

    /** One closed-loop client: 3 PUTs (each written and flushed to the disk before its reply) to 1 GET. */
    static Load load(KvClient c, int wire, double seconds) {
        c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), wire));
        for (int i = 0; i < 300; i++) c.put("w" + (i % 50), "x" + i); // warm-up
        long[] puts = new long[2_000_000], gets = new long[2_000_000];
        int np = 0, ng = 0, n = 0;
        long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < end && np < puts.length) {
            long s = System.nanoTime();
            if ((n & 3) == 0) {
                c.get("k" + (n % 100));
                gets[ng++] = System.nanoTime() - s;
            } else {
                c.put("k" + (n % 100), "value-" + n);
                puts[np++] = System.nanoTime() - s;
            }
            n++;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long[] p = Arrays.copyOf(puts, np), g = Arrays.copyOf(gets, ng);
        Arrays.sort(p);
        Arrays.sort(g);
        c.shutdown();
        return new Load(n / secs, p[np / 2] / 1e3, p[(int) (np * 0.99)] / 1e3, g[ng / 2] / 1e3, g[(int) (ng * 0.99)] / 1e3);
    }

    static KvClient client() { return new KvClient().retryEvery(Duration.ofMillis(500)).giveUpAfter(Duration.ofSeconds(60)); }

    static String netdev(int wire, KvClient c) {
        return "dgram,local=127.0.0.1:" + wire + ",remote=127.0.0.1:" + c.localAddress().getPort();
    }

    public static void main(String[] a) throws Exception {
        launcher = a[0];
        double seconds = Double.parseDouble(a[1]);
        dir = Files.createTempDirectory("ftkvbench");
        try {
            Load alone, ft;
            try (KvClient c = client()) {
                int wire = udpPort();
                Process p = start("run", "run", "--drive", "file=" + disk("run.img"), "--netdev", netdev(wire, c), "kvserver");
                alone = load(c, wire, seconds);
                p.waitFor();
            }
            int arb = tcpPort();
            start("arbiter", "arbiter", "--listen", "" + arb, "--state", "arbiter.state");
            await("arbiter", "serving");
            String arbiter = "tas://127.0.0.1:" + arb;
            long bytes;
            try (KvClient c = client()) {
                int wire = udpPort(), bp = tcpPort();
                String[] dev = {"--drive", "file=" + disk("ft.img"), "--netdev", netdev(wire, c)};
                List<String> b = new ArrayList<>(List.of("backup", "--listen", "" + bp, "--arbiter", arbiter, "--trace", "ft-trace"));
                b.addAll(List.of(dev));
                start("ft-backup", b.toArray(String[]::new));
                await("ft-backup", "waiting for the primary");
                List<String> pr = new ArrayList<>(List.of("primary", "--backup", "127.0.0.1:" + bp, "--arbiter", arbiter,
                        "--console", "" + tcpPort()));
                pr.addAll(List.of(dev));
                pr.add("kvserver");
                Process p = start("ft-primary", pr.toArray(String[]::new));
                await("ft-backup", "backing up primary");
                ft = load(c, wire, seconds);
                p.waitFor();
                var m = java.util.regex.Pattern.compile("([0-9,]+) bytes sent to backups").matcher(log("ft-primary"));
                bytes = m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
            }
            System.out.printf("FT benchmark: kvserver (virtio-net + a shared virtio-blk log), one closed-loop client, 3 PUT : 1 GET,"
                    + " %.0f s per run (%d cores)%n%n", seconds, Runtime.getRuntime().availableProcessors());
            System.out.printf("| %-28s | %10s | %9s | %9s | %9s | %9s |%n", "run", "requests/s", "PUT p50", "PUT p99", "GET p50", "GET p99");
            for (var r : List.of(java.util.Map.entry("lockstep run", alone), java.util.Map.entry("primary + backup (FT)", ft))) {
                Load l = r.getValue();
                System.out.printf("| %-28s | %10.0f | %6.0f us | %6.0f us | %6.0f us | %6.0f us |%n", r.getKey(), l.opsPerSec,
                        l.putP50, l.putP99, l.getP50, l.getP99);
            }
            System.out.printf("%nthroughput ratio FT / run: %.2f%n", ft.opsPerSec / alone.opsPerSec);
            System.out.printf("logging channel: %,d bytes in all (%.2f Mbit/s averaged over the load run)%n", bytes, bytes * 8 / seconds / 1e6);
        } finally {
            for (Process p : children) p.destroyForcibly();
        }
    }
}
