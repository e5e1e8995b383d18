// A failover decided by ZooKeeper: primary and backup as real processes with --arbiter zk://, the primary killed once.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZkFailoverTest {
    private static final long LIVENESS_MS = FtProcesses.LIVENESS_MS;

    @Test
    void theBackupWinsZooKeeperAndGoesLiveWhenThePrimaryIsKilled(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("secret"), "correct horse\n");
        Files.createDirectory(dir.resolve("zk"));
        // Curator's ZooKeeper server, in this JVM, on 127.0.0.1 only.
        try (TestingServer zk = new TestingServer(new InstanceSpec(dir.resolve("zk").toFile(), -1, -1, -1, true, -1, -1, -1,
                Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1"), true);
             FtProcesses ft = new FtProcesses(dir)) {
            String arbiter = "zk://127.0.0.1:" + zk.getPort() + "/lockstep/ft-test";
            int backupPort = FtProcesses.freePort(), console = FtProcesses.freePort();
            FtProcesses.Child backup = ft.start("backup", "backup", "--listen", "" + backupPort, "--arbiter", arbiter,
                    "--trace", "trace-b", "--secret-file", "secret", "--id", "backup-b");
            backup.await("waiting for the primary", LIVENESS_MS);
            FtProcesses.Child primary = ft.start("primary", "primary", "--backup", "127.0.0.1:" + backupPort, "--arbiter", arbiter,
                    "--console", "" + console, "--secret-file", "secret", "--id", "primary-p", "kvcons");
            backup.await("backing up primary", LIVENESS_MS);

            dev.lockstep.liveft.KvClient client = new dev.lockstep.liveft.KvClient(
                    java.util.List.of(new java.net.InetSocketAddress("127.0.0.1", console)), 1000, LIVENESS_MS);
            KvWorkload w = KvWorkload.console(client, 5).start();
            try {
                w.awaitMoreWrites(20);
                primary.sigkill();
                backup.await("live: serving the console", LIVENESS_MS);
                w.awaitMoreWrites(20);
            } finally {
                w.stop();
            }
            w.assertEveryAcknowledgedWriteReads();
            client.close();
            assertThat(backup.log()).contains("won the arbiter").doesNotContain("does not answer").doesNotContain("refused");
        }
    }
}
