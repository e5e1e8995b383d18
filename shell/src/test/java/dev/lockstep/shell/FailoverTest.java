// Live FT with real processes killed for real: primary, backups and arbiter as JVMs on loopback, a client writing throughout.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.liveft.KvClient;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailoverTest {
    private static final int KILLS = Integer.getInteger("lockstep.ft.kills", 20);
    private static final long LIVENESS_MS = FtProcesses.LIVENESS_MS;

    /** Writes and reads in a loop, one request at a time, and checks every read against what was acknowledged. */
    static final class Workload implements Runnable {
        final Map<String, String> acked = new ConcurrentHashMap<>();
        final AtomicLong writes = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final KvClient client;
        final Random random;
        volatile boolean stop;

        Workload(int consolePort, long seed) {
            this.client = new KvClient(List.of(new InetSocketAddress("127.0.0.1", consolePort)), 1000, LIVENESS_MS);
            this.random = new Random(seed);
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    String key = "k" + random.nextInt(40);
                    if (random.nextInt(4) == 0) {
                        Optional<String> got = client.get(key);
                        String want = acked.get(key);
                        if (!got.equals(Optional.ofNullable(want))) {
                            throw new AssertionError("GET " + key + " read " + got + " but the last acknowledged write was " + want);
                        }
                    } else {
                        String value = "v" + writes.incrementAndGet();
                        client.set(key, value);
                        acked.put(key, value);
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        void awaitWrites(long atLeast) throws InterruptedException {
            long deadline = System.nanoTime() + LIVENESS_MS * 1_000_000L;
            while (writes.get() < atLeast && failure.get() == null) {
                if (System.nanoTime() > deadline) throw new AssertionError("the service made no progress: " + writes.get() + " writes");
                Thread.sleep(5);
            }
            if (failure.get() != null) throw new AssertionError("the client failed", failure.get());
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesRepeatedSigkillsOfThePrimary(@TempDir Path dir) throws Exception {
        Random random = new Random(Long.getLong("lockstep.ft.seed", System.nanoTime()));
        try (FtProcesses ft = new FtProcesses(dir)) {
            int arbiterPort = FtProcesses.freePort(), console = FtProcesses.freePort();
            String arbiter = "tas://127.0.0.1:" + arbiterPort;
            ft.start("arbiter", "arbiter", "--listen", "" + arbiterPort, "--state", "arbiter.state")
                    .await("serving test-and-set", LIVENESS_MS);
            int backupPort = FtProcesses.freePort();
            FtProcesses.Child backup = ft.start("backup-0", "backup", "--listen", "" + backupPort, "--arbiter", arbiter,
                    "--trace", "trace-0");
            backup.await("waiting for the primary", LIVENESS_MS);
            FtProcesses.Child primary = ft.start("primary", "primary", "--backup", "127.0.0.1:" + backupPort,
                    "--arbiter", arbiter, "--console", "" + console, "kvcons");
            backup.await("backing up primary", LIVENESS_MS);

            Workload w = new Workload(console, random.nextLong());
            Thread t = new Thread(w, "workload");
            t.start();
            try {
                for (int kill = 1; kill <= KILLS; kill++) {
                    w.awaitWrites(w.writes.get() + 5);
                    Thread.sleep(random.nextInt(300));
                    primary.sigkill();
                    backup.await("live: serving the console", LIVENESS_MS);
                    assertThat(primary.log()).doesNotContain("DIVERGENCE");
                    w.awaitWrites(w.writes.get() + 5);
                    if (kill == KILLS) break;
                    // the live backup is the primary now; a new backup joins it
                    primary = backup;
                    int next = FtProcesses.freePort();
                    backup = ft.start("backup-" + kill, "backup", "--join", "127.0.0.1:" + backupPort, "--listen", "" + next,
                            "--arbiter", arbiter, "--trace", "trace-" + kill);
                    backup.await("backing up primary", LIVENESS_MS);
                    backupPort = next;
                }
            } finally {
                w.stop = true;
                t.join(LIVENESS_MS);
            }
            assertThat(w.failure.get()).as("client failure").isNull();
            for (Map.Entry<String, String> e : w.acked.entrySet()) {
                assertThat(w.client.get(e.getKey())).as("key " + e.getKey()).contains(e.getValue());
            }
            assertThat(w.client.retries()).as("requests re-sent across failovers").isPositive();
            w.client.close();

            // The first backup recorded as backup and then as primary: its trace replays and verifies.
            Cli.Result replay = Cli.run("replay", "--verify", "--quiet", dir.resolve("trace-0").toString());
            assertThat(replay.err()).contains("verified").doesNotContain("diverge");
            assertThat(replay.exit()).isZero();
            assertThat(Files.list(dir).filter(p -> p.getFileName().toString().startsWith("trace-")).count()).isEqualTo(KILLS);
        }
    }
}
