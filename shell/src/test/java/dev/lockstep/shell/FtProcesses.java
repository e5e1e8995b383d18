// Test support for FT: lockstep roles as real JVM processes on loopback, their logs, and SIGKILL.
package dev.lockstep.shell;

import dev.lockstep.emulator.LoopbackPorts;
import dev.lockstep.kvclient.KvClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts `lockstep ROLE ...` in child JVMs (the test's own class path), each logging to a file in
 * {@code dir}. {@link #close()} kills every child still running, so a failing test leaves none behind.
 */
final class FtProcesses implements AutoCloseable {
    /** How long a child may take to log what a test waits for: a hang guard, never a measurement. */
    static final long LIVENESS_MS = 60_000;

    /** One child: its process and its log. */
    record Child(String name, Process process, Path logFile) {
        String log() {
            try {
                return Files.readString(logFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        /** Waits (a liveness bound, not a measurement) until the log has a line containing {@code text}. */
        void await(String text, long millis) throws InterruptedException {
            long deadline = System.nanoTime() + millis * 1_000_000L;
            while (!log().contains(text)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + " did not log '" + text + "' within " + millis + " ms; its log:\n" + log());
                }
                if (!process.isAlive() && !log().contains(text)) {
                    throw new AssertionError(name + " exited (" + process.exitValue() + ") without logging '" + text + "'; its log:\n" + log());
                }
                Thread.sleep(20);
            }
        }

        void sigkill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    private final Path dir;
    private final List<Child> children = new ArrayList<>();

    FtProcesses(Path dir) { this.dir = dir; }

    Path dir() { return dir; }

    Child start(String name, String... args) throws IOException {
        // The heap holds the guest's RAM: room for LinuxBootTest's 256 MiB and a snapshot's copies of its pages.
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss16m", "-Xmx768m",
                "-cp", System.getProperty("java.class.path")));
        // Chronicle Queue needs the JVM's --add-opens/--add-exports flags, which this test JVM was given.
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-")) cmd.add(a);
        }
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Path log = dir.resolve(name + ".log");
        String keep = System.getProperty("lockstep.ft.keep");
        if (keep != null) Files.writeString(Path.of(keep).resolve("cmd-" + name), String.join(" ", cmd));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile())).start();
        Child c = new Child(name, p, log);
        children.add(c);
        return c;
    }

    /** The last lines of every child's log, for a failure's message: what each process said before it. */
    String logs() {
        StringBuilder b = new StringBuilder();
        for (Child c : children) {
            List<String> lines = c.log().lines().toList();
            b.append("---- ").append(c.name()).append(c.process().isAlive() ? " (running)" : " (exited " + c.process().exitValue() + ")")
                    .append(", last lines of its log:\n");
            for (String l : lines.subList(Math.max(0, lines.size() - 40), lines.size())) b.append(l).append('\n');
        }
        return b.toString();
    }

    /** A kvserver pair: its primary and backup. */
    record KvPair(Child primary, Child backup) {}

    /**
     * Starts an arbiter, a backup (tracing to "trace") and a primary running kvserver on the disk image
     * {@code disk} in the directory, with a dgram network to {@code client}, and connects the client once
     * the pair is up.
     */
    KvPair startKvServerPair(KvClient client, String disk) throws IOException, InterruptedException {
        int arbiterPort = freePort(), backupPort = freePort(), wire = freePort();
        String arbiter = "tas://127.0.0.1:" + arbiterPort;
        String net = "dgram,local=127.0.0.1:" + wire + ",remote=127.0.0.1:" + client.localAddress().getPort();
        start("arbiter", "arbiter", "--listen", "" + arbiterPort, "--state", "arbiter.state").await("serving test-and-set", LIVENESS_MS);
        Child backup = start("backup", "backup", "--listen", "" + backupPort, "--arbiter", arbiter, "--trace", "trace",
                "--drive", "file=" + disk, "--netdev", net);
        backup.await("waiting for the primary", LIVENESS_MS);
        Child primary = start("primary", "primary", "--backup", "127.0.0.1:" + backupPort, "--arbiter", arbiter,
                "--console", "" + freePort(), "--drive", "file=" + disk, "--netdev", net, "kvserver");
        backup.await("backing up primary", LIVENESS_MS);
        client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), wire));
        return new KvPair(primary, backup);
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** A loopback port, TCP or UDP, for a child to bind: see {@link LoopbackPorts}. */
    static int freePort() {
        return LoopbackPorts.next();
    }

    @Override
    public void close() {
        for (Child c : children) c.process.destroyForcibly();
        for (Child c : children) {
            try {
                c.process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
