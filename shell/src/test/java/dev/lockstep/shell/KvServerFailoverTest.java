// kvserver under FT, with real processes: virtio-net and a shared virtio-blk disk, the primary SIGKILLed while a client writes.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.kvclient.KvClient;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class KvServerFailoverTest {
    private static final int KILLS = Integer.getInteger("lockstep.ft.kv-kills", 20);
    /** --durability replica lets replies leave before the disk flush: fewer kills, the same checks. */
    private static final int REPLICA_KILLS = Integer.getInteger("lockstep.ft.kv-kills-replica", 8);
    private static final long LIVENESS_MS = FtProcesses.LIVENESS_MS;

    @ParameterizedTest(name = "--durability {0}")
    @ValueSource(strings = {"disk", "replica"})
    void everyAcknowledgedWriteIsReadableAfterTheNewPrimaryTookOverTheNetworkAndTheDisk(String durability, @TempDir Path dir)
            throws Exception {
        int kills = durability.equals("disk") ? KILLS : REPLICA_KILLS;
        Random random = new Random(Long.getLong("lockstep.ft.seed", System.nanoTime()));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("kv.img").toFile(), "rw")) {
            f.setLength(256L << 20); // sparse; kvserver logs one 512-byte sector per write and refuses writes once full
        }
        try (FtProcesses ft = new FtProcesses(dir);
             KvClient client = new KvClient().retryEvery(Duration.ofMillis(100)).giveUpAfter(Duration.ofMillis(LIVENESS_MS))) {
            int arbiterPort = FtProcesses.freePort(), console = FtProcesses.freePort(), wire = FtProcesses.freePort();
            String arbiter = "tas://127.0.0.1:" + arbiterPort;
            String[] devices = {"--drive", "file=kv.img", "--netdev",
                    "dgram,local=127.0.0.1:" + wire + ",remote=127.0.0.1:" + client.localAddress().getPort()};
            String[] ftDevices = concat(devices, new String[] {"--durability", durability});
            ft.start("arbiter", "arbiter", "--listen", "" + arbiterPort, "--state", "arbiter.state")
                    .await("serving test-and-set", LIVENESS_MS);
            int backupPort = FtProcesses.freePort();
            FtProcesses.Child backup = ft.start("backup-0", concat(new String[] {"backup", "--listen", "" + backupPort,
                    "--arbiter", arbiter, "--trace", "trace-0"}, ftDevices));
            backup.await("waiting for the primary", LIVENESS_MS);
            FtProcesses.Child primary = ft.start("primary", concat(new String[] {"primary", "--backup", "127.0.0.1:" + backupPort,
                    "--arbiter", arbiter, "--console", "" + console}, ftDevices, new String[] {"kvserver"}));
            backup.await("backing up primary", LIVENESS_MS);
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), wire));

            KvWorkload w = KvWorkload.kvserver(client, random.nextLong()).start();
            Throwable failed = null;
            try {
                for (int kill = 1; kill <= kills; kill++) {
                    w.awaitMoreWrites(10);
                    Thread.sleep(random.nextInt(200));
                    primary.sigkill();
                    backup.await("live: serving the console", LIVENESS_MS);
                    w.awaitMoreWrites(10);
                    if (kill == kills) break;
                    primary = backup;
                    int next = FtProcesses.freePort();
                    backup = ft.start("backup-" + kill, concat(new String[] {"backup", "--join", "127.0.0.1:" + backupPort,
                            "--listen", "" + next, "--arbiter", arbiter, "--trace", "trace-" + kill}, ftDevices));
                    backup.await("backing up primary", LIVENESS_MS);
                    backupPort = next;
                }
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
            String coldSays;
            if (durability.equals("disk")) {
                // The last primary, alone, dies too: its redo journal stays, and the next start applies it.
                backup.sigkill();
                assertThat(dir.resolve("kv.img.redo")).exists();
                coldSays = "from the redo journal";
            } else {
                client.shutdown();
                assertThat(backup.process().waitFor()).as(backup.log()).isZero();
                coldSays = "listening on";
            }

            // The shared disk alone holds every acknowledged write, whichever primary wrote it (or wrote it
            // again on going live): kvserver started cold on it, in a plain run, reads them all back.
            FtProcesses.Child cold = ft.start("cold", concat(new String[] {"run"}, devices, new String[] {"kvserver"}));
            cold.await(coldSays, LIVENESS_MS);
            cold.await("listening on", LIVENESS_MS);
            assertThat(dir.resolve("kv.img.redo")).doesNotExist();
            w.assertEveryAcknowledgedWriteReads();
            client.shutdown();
            assertThat(cold.process().waitFor()).as(cold.log()).isZero();

            Cli.Result replay = Cli.run("replay", "--verify", "--quiet", dir.resolve("trace-0").toString());
            assertThat(replay.err()).contains("verified").doesNotContain("diverge");
            assertThat(replay.exit()).as(replay.err()).isZero();
            // Backups that joined (the first and the last here) began their traces with the state they were given.
            for (int k : new int[] {1, kills - 1}) {
                Cli.Result joined = Cli.run("replay", "--verify", "--quiet", dir.resolve("trace-" + k).toString());
                assertThat(joined.exit()).as("trace-%d: %s", k, joined.err()).isZero();
                assertThat(joined.err()).contains("the trace of a backup that joined there");
            }
        }
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }

}
