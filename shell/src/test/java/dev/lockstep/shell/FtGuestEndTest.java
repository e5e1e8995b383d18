// A guest that powers off under FT ends on the backup too: no false divergence at the last instruction.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.kvclient.KvClient;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FtGuestEndTest {
    private static final long LIVENESS_MS = 60_000;

    @Test
    void kvserverShutDownUnderFtEndsOnBothSidesAndTheBackupsTraceVerifies(@TempDir Path dir) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("kv.img").toFile(), "rw")) {
            f.setLength(4 << 20);
        }
        try (FtProcesses ft = new FtProcesses(dir);
             KvClient client = new KvClient().retryEvery(Duration.ofMillis(200)).giveUpAfter(Duration.ofMillis(LIVENESS_MS))) {
            FtProcesses.KvPair pair = ft.startKvServerPair(client, "kv.img");
            FtProcesses.Child primary = pair.primary(), backup = pair.backup();

            // Several requests in flight at once, as the benchmark has them.
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int me = t;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) client.put("t" + me + "-" + i, "v" + i);
                }));
            }
            for (Future<?> w : writers) w.get();
            pool.shutdown();
            assertThat(client.get("t3-24")).contains("v24");
            client.shutdown();

            assertThat(primary.process().waitFor()).as(primary.log()).isZero();
            assertThat(primary.log()).as("a session's end is not the loss of the backup").doesNotContain("lost the backup");
            assertThat(backup.process().waitFor()).as(backup.log()).isZero();
            assertThat(backup.log()).contains("the guest ended").doesNotContain("DIVERGENCE");

            Cli.Result replay = Cli.run("replay", "--verify", "--quiet", dir.resolve("trace").toString());
            assertThat(replay.err()).contains("verified").doesNotContain("diverge");
            assertThat(replay.exit()).as(replay.err()).isZero();
        }
    }

    /**
     * Runs arbiter, backup and primary (with {@code primaryArgs}: options and the guest) until the guest ends
     * on both sides, checks the backup followed without a divergence, and returns its trace's verified replay.
     */
    private static Cli.Result pairToTheEnd(Path dir, String... primaryArgs) throws Exception {
        try (FtProcesses ft = new FtProcesses(dir)) {
            int arbiterPort = FtProcesses.freePort(), backupPort = FtProcesses.freePort();
            String arbiter = "tas://127.0.0.1:" + arbiterPort;
            ft.start("arbiter", "arbiter", "--listen", "" + arbiterPort, "--state", "arbiter.state")
                    .await("serving test-and-set", LIVENESS_MS);
            FtProcesses.Child backup = ft.start("backup", "backup", "--listen", "" + backupPort, "--arbiter", arbiter, "--trace", "trace");
            backup.await("waiting for the primary", LIVENESS_MS);
            List<String> args = new ArrayList<>(List.of("primary", "--backup", "127.0.0.1:" + backupPort, "--arbiter", arbiter,
                    "--console", "" + FtProcesses.freePort()));
            args.addAll(List.of(primaryArgs));
            FtProcesses.Child primary = ft.start("primary", args.toArray(String[]::new));

            assertThat(primary.process().waitFor()).as(ft.logs()).isZero();
            assertThat(backup.process().waitFor()).as(ft.logs()).isZero();
            assertThat(backup.log()).contains("the guest ended").doesNotContain("DIVERGENCE");
        }
        Cli.Result replay = Cli.run("replay", "--verify", dir.resolve("trace").toString());
        assertThat(replay.exit()).as(replay.err()).isZero();
        return replay;
    }

    /** A reset is the guest's own doing, so the backup replays it at the same instruction: no divergence. */
    @Test
    void aGuestThatResetsTheMachineUnderFtRebootsOnBothSidesAndTheBackupsTraceVerifies(@TempDir Path dir) throws Exception {
        assertThat(pairToTheEnd(dir, "reboot").out()).isEqualTo("boot 0\r\nboot 1\r\nboot 2\r\nreboot: 3 boots, 0 failed\r\n");
    }

    /** Four harts under FT: the backup interleaves them as the primary did (their IPIs and locks checked live), to the end. */
    @Test
    void aMultiHartGuestUnderFtRunsInStepOnBothSidesAndTheBackupsTraceVerifies(@TempDir Path dir) throws Exception {
        assertThat(pairToTheEnd(dir, "--smp", "4", "smp").out()).contains("smp: 4 harts").endsWith("PASS\r\n");
    }
}
