// Faults other than a dead primary: a partition between the pair, a dead backup, a peer with the wrong secret.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionTest {
    private static final long LIVENESS_MS = FtProcesses.LIVENESS_MS;

    /** A TCP proxy that can be cut: after {@link #cut()} it forwards nothing either way but keeps the connections open. */
    static final class CuttableProxy implements AutoCloseable {
        final ServerSocket server;
        final int target;
        volatile boolean cut;

        CuttableProxy(int target) throws IOException {
            this.server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
            this.target = target;
            Thread t = new Thread(this::acceptLoop, "proxy");
            t.setDaemon(true);
            t.start();
        }

        int port() { return server.getLocalPort(); }

        void cut() { cut = true; }

        private void acceptLoop() {
            try {
                while (true) {
                    Socket a = server.accept();
                    Socket b = new Socket(InetAddress.getLoopbackAddress(), target);
                    pump(a, b);
                    pump(b, a);
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        if (cut) continue; // black hole: the peers see silence, not a closed connection
                        out.write(buf, 0, n);
                    }
                } catch (IOException e) {
                    // one side closed
                }
            }, "proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException { server.close(); }
    }

    private record Pair(FtProcesses.Child arbiter, FtProcesses.Child primary, FtProcesses.Child backup, int console, int primaryJoin) {}

    private static Pair startPair(FtProcesses ft, int backupTarget, int backupPort, String... extra) throws Exception {
        int arbiterPort = FtProcesses.freePort(), console = FtProcesses.freePort(), join = FtProcesses.freePort();
        String arbiter = "tas://127.0.0.1:" + arbiterPort;
        FtProcesses.Child a = ft.start("arbiter", concat(new String[] {"arbiter", "--listen", "" + arbiterPort}, extra));
        a.await("serving test-and-set", LIVENESS_MS);
        FtProcesses.Child b = ft.start("backup", concat(new String[] {"backup", "--listen", "" + backupPort, "--arbiter", arbiter,
                "--trace", "trace-b"}, extra));
        b.await("waiting for the primary", LIVENESS_MS);
        FtProcesses.Child p = ft.start("primary", concat(new String[] {"primary", "--backup", "127.0.0.1:" + backupTarget,
                "--arbiter", arbiter, "--console", "" + console, "--listen", "" + join, "kvcons"}, extra));
        b.await("backing up primary", LIVENESS_MS);
        return new Pair(a, p, b, console, join);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static void exercise(KvWorkload w, int writes) throws InterruptedException {
        w.awaitMoreWrites(writes);
    }

    private static dev.lockstep.liveft.KvClient client(int console) {
        return new dev.lockstep.liveft.KvClient(java.util.List.of(new java.net.InetSocketAddress("127.0.0.1", console)), 1000,
                LIVENESS_MS);
    }

    @Test
    void aPartitionBetweenPrimaryAndBackupLeavesExactlyOneSideRunning(@TempDir Path dir) throws Exception {
        try (FtProcesses ft = new FtProcesses(dir)) {
            int backupPort = FtProcesses.freePort();
            try (CuttableProxy proxy = new CuttableProxy(backupPort)) {
                Pair pair = startPair(ft, proxy.port(), backupPort);
                dev.lockstep.liveft.KvClient client = client(pair.console());
                KvWorkload w = KvWorkload.console(client, 7).start();
                try {
                    exercise(w, 20);
                    proxy.cut();
                    // both sides see silence; exactly one wins the arbiter and the other stops
                    long deadline = System.nanoTime() + LIVENESS_MS * 1_000_000L;
                    while (pair.primary().process().isAlive() && pair.backup().process().isAlive() && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    exercise(w, 20);
                } finally {
                    w.stop();
                }
                boolean primaryAlive = pair.primary().process().isAlive(), backupAlive = pair.backup().process().isAlive();
                assertThat(primaryAlive ^ backupAlive).as("exactly one side runs (primary %s, backup %s)", primaryAlive, backupAlive).isTrue();
                FtProcesses.Child loser = primaryAlive ? pair.backup() : pair.primary();
                assertThat(loser.process().exitValue()).isEqualTo(3);
                assertThat(loser.log()).containsAnyOf("lost the arbiter", "this backup stops");
                w.assertEveryAcknowledgedWriteReads();
                client.close();
            }
        }
    }

    @Test
    void aPrimaryWhoseBackupDiesGoesOnAloneAfterTheArbiterAndANewBackupJoins(@TempDir Path dir) throws Exception {
        try (FtProcesses ft = new FtProcesses(dir)) {
            int backupPort = FtProcesses.freePort();
            Pair pair = startPair(ft, backupPort, backupPort);
            dev.lockstep.liveft.KvClient client = client(pair.console());
            KvWorkload w = KvWorkload.console(client, 11).start();
            Throwable failed = null;
            try {
                exercise(w, 20);
                pair.backup().sigkill();
                pair.primary().await("won the arbiter: continuing alone", LIVENESS_MS);
                exercise(w, 20);
                String arbiter = pair.arbiter().log().replaceAll("(?s).*serving test-and-set on 127\\.0\\.0\\.1:(\\d+).*", "$1");
                FtProcesses.Child joiner = ft.start("joiner", "backup", "--join", "127.0.0.1:" + pair.primaryJoin(),
                        "--listen", "" + FtProcesses.freePort(), "--arbiter", "tas://127.0.0.1:" + arbiter, "--trace", "trace-j");
                joiner.await("backing up primary", LIVENESS_MS);
                exercise(w, 20);
                pair.primary().sigkill();
                joiner.await("live: serving the console", LIVENESS_MS);
                exercise(w, 20);
            } catch (Throwable t) {
                failed = t;
            }
            try {
                w.stop();
            } catch (Throwable t) {
                if (failed == null) failed = t;
                else failed.addSuppressed(t);
            }
            if (failed != null) throw new AssertionError(failed.getMessage() + "\n" + ft.logs(), failed);
            w.assertEveryAcknowledgedWriteReads();
            client.close();
        }
    }

    @Test
    void aPrimaryWithTheWrongSecretIsRefusedByTheBackupWithALogLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("right"), "correct horse\n");
        Files.writeString(dir.resolve("wrong"), "battery staple\n");
        try (FtProcesses ft = new FtProcesses(dir)) {
            int arbiterPort = FtProcesses.freePort(), backupPort = FtProcesses.freePort();
            String arbiter = "tas://127.0.0.1:" + arbiterPort;
            ft.start("arbiter", "arbiter", "--listen", "" + arbiterPort, "--secret-file", "right").await("serving", LIVENESS_MS);
            FtProcesses.Child b = ft.start("backup", "backup", "--listen", "" + backupPort, "--arbiter", arbiter,
                    "--trace", "trace-b", "--secret-file", "right");
            b.await("waiting for the primary", LIVENESS_MS);
            FtProcesses.Child p = ft.start("primary", "primary", "--backup", "127.0.0.1:" + backupPort, "--arbiter", arbiter,
                    "--console", "" + FtProcesses.freePort(), "--secret-file", "wrong", "kvcons");
            assertThat(p.process().waitFor(LIVENESS_MS, TimeUnit.MILLISECONDS)).isTrue();
            assertThat(p.process().exitValue()).isNotZero();
            assertThat(p.log()).contains("failed the challenge");
            b.await("refused 127.0.0.1", LIVENESS_MS);
            assertThat(b.log()).doesNotContain("backing up primary");
        }
    }
}
