// Live FT with real processes killed for real: primary, backups and arbiter as JVMs on loopback, a client writing throughout.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.liveft.KvClient;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailoverTest {
    private static final int KILLS = Integer.getInteger("lockstep.ft.kills", 5);
    private static final long LIVENESS_MS = FtProcesses.LIVENESS_MS;

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

            KvClient client = new KvClient(List.of(new InetSocketAddress("127.0.0.1", console)), 1000, LIVENESS_MS);
            KvWorkload w = KvWorkload.console(client, random.nextLong()).start();
            try {
                for (int kill = 1; kill <= KILLS; kill++) {
                    w.awaitMoreWrites(5);
                    Thread.sleep(random.nextInt(300));
                    primary.sigkill();
                    backup.await("live: serving the console", LIVENESS_MS);
                    assertThat(primary.log()).doesNotContain("DIVERGENCE");
                    w.awaitMoreWrites(5);
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
                w.stop();
            }
            w.assertEveryAcknowledgedWriteReads();
            assertThat(client.retries()).as("requests re-sent across failovers").isPositive();
            client.close();

            // The first backup recorded as backup and then as primary: its trace replays and verifies.
            Cli.Result replay = Cli.run("replay", "--verify", "--quiet", dir.resolve("trace-0").toString());
            assertThat(replay.err()).contains("verified").doesNotContain("diverge");
            assertThat(replay.exit()).isZero();
            assertThat(Files.list(dir).filter(p -> p.getFileName().toString().startsWith("trace-")).count()).isEqualTo(KILLS);
            // The backups that joined began their traces with the state they were given, and replay from it.
            for (int k = 1; k < KILLS; k++) {
                Cli.Result joined = Cli.run("replay", "--verify", "--quiet", dir.resolve("trace-" + k).toString());
                assertThat(joined.exit()).as("trace-%d: %s", k, joined.err()).isZero();
                assertThat(joined.err()).contains("the trace of a backup that joined there");
            }
        }
    }
}
