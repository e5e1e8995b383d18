// `lockstep client --kvserver`: kvserver's client on the command line, across a failover to a backup at another address.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvClientCommandTest {
    @TempDir
    Path dir;


    @Test
    void theClientFollowsAPairWhoseBackupServesAtItsOwnAddress() throws Exception {
        // As on two hosts: the primary's and the backup's ends of the wire differ (two ports of loopback here),
        // and the client is given both.
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("kv.img").toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        int arbiterPort = FtProcesses.freePort(), backupPort = FtProcesses.freePort();
        int primaryEnd = FtProcesses.freePort(), backupEnd = FtProcesses.freePort(), clientEnd = FtProcesses.freePort();
        String arbiter = "tas://127.0.0.1:" + arbiterPort;
        String[] ends = {"--kvserver", "127.0.0.1:" + primaryEnd + ",127.0.0.1:" + backupEnd, "--bind", "127.0.0.1:" + clientEnd,
                "--give-up", "60000"};
        try (FtProcesses ft = new FtProcesses(dir)) {
            ft.start("arbiter", "arbiter", "--listen", "" + arbiterPort, "--state", "arbiter.state")
                    .await("serving test-and-set", FtProcesses.LIVENESS_MS);
            FtProcesses.Child backup = ft.start("backup", "backup", "--listen", "" + backupPort, "--arbiter", arbiter, "--trace", "trace",
                    "--drive", "file=kv.img", "--netdev", "dgram,local=127.0.0.1:" + backupEnd + ",remote=127.0.0.1:" + clientEnd);
            backup.await("waiting for the primary", FtProcesses.LIVENESS_MS);
            FtProcesses.Child primary = ft.start("primary", "primary", "--backup", "127.0.0.1:" + backupPort, "--arbiter", arbiter,
                    "--console", "" + FtProcesses.freePort(), "--drive", "file=kv.img",
                    "--netdev", "dgram,local=127.0.0.1:" + primaryEnd + ",remote=127.0.0.1:" + clientEnd, "kvserver");
            backup.await("backing up primary", FtProcesses.LIVENESS_MS);

            Cli.Result set = Cli.run(with(ends, "set", "colour", "dark green"));
            assertThat(set.exit()).as(set.err() + ft.logs()).isZero();
            assertThat(set.out()).isEqualTo("OK\n");

            primary.sigkill();
            backup.await("live: serving the console", FtProcesses.LIVENESS_MS);

            Cli.Result get = Cli.run(with(ends, "get", "colour"));
            assertThat(get.exit()).as(get.err() + ft.logs()).isZero();
            assertThat(get.out()).isEqualTo("dark green\n");
            Cli.Result script = Cli.runWithInput("del colour\nget colour\nset shape round\nget shape\n", with(ends));
            assertThat(script.out()).as(script.err()).isEqualTo("OK\n(none)\nOK\nround\n");
            assertThat(script.exit()).as("a key not there").isEqualTo(1);
        }
    }

    private static String[] with(String[] ends, String... request) {
        String[] a = new String[1 + ends.length + request.length];
        a[0] = "client";
        System.arraycopy(ends, 0, a, 1, ends.length);
        System.arraycopy(request, 0, a, 1 + ends.length, request.length);
        return a;
    }

    @Test
    void kvserverWithoutBindIsRefusedWithWhatToGive() {
        Cli.Result r = Cli.run("client", "--kvserver", "127.0.0.1:9", "get", "k");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--kvserver needs --bind").doesNotContain("Exception");
    }

    @Test
    void kvconsAndKvserverCannotBeAskedForAtOnce() {
        Cli.Result r = Cli.run("client", "--connect", "127.0.0.1:9", "--kvserver", "127.0.0.1:9", "get", "k");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("mutually exclusive");
    }
}
