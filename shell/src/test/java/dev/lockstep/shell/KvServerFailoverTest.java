// kvserver under FT, with real processes: virtio-net and a shared virtio-blk disk, the primary SIGKILLed while a client writes.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.kvclient.KvClient;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvServerFailoverTest {
    private static final int KILLS = Integer.getInteger("lockstep.ft.kv-kills", 3);
    private static final long LIVENESS_MS = FtProcesses.LIVENESS_MS;

    /**
     * PUTs one at a time over 500 keys (kvserver's table holds 1023); a PUT is acknowledged when its OK
     * arrived, and the map keeps each key's last acknowledged value.
     */
    static final class Writer implements Runnable {
        final Map<String, String> acked = new ConcurrentHashMap<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();
        final KvClient client;
        volatile boolean stop;

        Writer(KvClient client) { this.client = client; }

        @Override
        public void run() {
            try {
                for (int i = 0; !stop; i++) {
                    client.put("k" + i % 500, "v" + i);
                    acked.put("k" + i % 500, "v" + i);
                    writes.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        void awaitWrites(long atLeast) throws InterruptedException {
            long deadline = System.nanoTime() + LIVENESS_MS * 1_000_000L;
            while (writes.get() < atLeast && failure.get() == null) {
                if (System.nanoTime() > deadline) throw new AssertionError("no progress: " + writes.get() + " writes");
                Thread.sleep(5);
            }
            if (failure.get() != null) throw new AssertionError("the client failed", failure.get());
        }
    }

    @Test
    void everyAcknowledgedWriteIsReadableAfterTheNewPrimaryTookOverTheNetworkAndTheDisk(@TempDir Path dir) throws Exception {
        Random random = new Random(Long.getLong("lockstep.ft.seed", System.nanoTime()));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("kv.img").toFile(), "rw")) {
            f.setLength(4 << 20);
        }
        try (FtProcesses ft = new FtProcesses(dir);
             KvClient client = new KvClient().retryEvery(Duration.ofMillis(100)).giveUpAfter(Duration.ofMillis(LIVENESS_MS))) {
            int arbiterPort = FtProcesses.freePort(), console = FtProcesses.freePort(), wire = freeUdpPort();
            String arbiter = "tas://127.0.0.1:" + arbiterPort;
            String[] devices = {"--drive", "file=kv.img", "--netdev",
                    "dgram,local=127.0.0.1:" + wire + ",remote=127.0.0.1:" + client.localAddress().getPort()};
            ft.start("arbiter", "arbiter", "--listen", "" + arbiterPort, "--state", "arbiter.state")
                    .await("serving test-and-set", LIVENESS_MS);
            int backupPort = FtProcesses.freePort();
            FtProcesses.Child backup = ft.start("backup-0", concat(new String[] {"backup", "--listen", "" + backupPort,
                    "--arbiter", arbiter, "--trace", "trace-0"}, devices));
            backup.await("waiting for the primary", LIVENESS_MS);
            FtProcesses.Child primary = ft.start("primary", concat(new String[] {"primary", "--backup", "127.0.0.1:" + backupPort,
                    "--arbiter", arbiter, "--console", "" + console}, devices, new String[] {"kvserver"}));
            backup.await("backing up primary", LIVENESS_MS);
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), wire));

            Writer w = new Writer(client);
            Thread t = new Thread(w, "writer");
            t.start();
            try {
                for (int kill = 1; kill <= KILLS; kill++) {
                    w.awaitWrites(w.writes.get() + 10);
                    Thread.sleep(random.nextInt(200));
                    primary.sigkill();
                    backup.await("live: serving the console", LIVENESS_MS);
                    w.awaitWrites(w.writes.get() + 10);
                    if (kill == KILLS) break;
                    primary = backup;
                    int next = FtProcesses.freePort();
                    backup = ft.start("backup-" + kill, concat(new String[] {"backup", "--join", "127.0.0.1:" + backupPort,
                            "--listen", "" + next, "--arbiter", arbiter, "--trace", "trace-" + kill}, devices));
                    backup.await("backing up primary", LIVENESS_MS);
                    backupPort = next;
                }
            } finally {
                w.stop = true;
                t.join(LIVENESS_MS);
            }
            assertThat(w.failure.get()).as("client failure").isNull();
            for (Map.Entry<String, String> e : w.acked.entrySet()) {
                assertThat(client.get(e.getKey())).as("key " + e.getKey()).contains(e.getValue());
            }
            client.shutdown();
            assertThat(backup.process().waitFor()).as(backup.log()).isZero();

            Cli.Result replay = Cli.run("replay", "--verify", "--quiet", dir.resolve("trace-0").toString());
            assertThat(replay.err()).contains("verified").doesNotContain("diverge");
            assertThat(replay.exit()).as(replay.err()).isZero();
        }
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }
}
