// A pair whose guest powers off: both sides end with the guest's exit status, and the backup saw no divergence.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FtSessionEndTest {
    private static final long LIVENESS_MS = FtProcesses.LIVENESS_MS;

    /** The guest halts on the instruction of the primary's END entry; the backup must replay to it, not call it a divergence. */
    @Test
    void aGuestThatPowersOffEndsBothSidesWithItsExitStatus(@TempDir Path dir) throws Exception {
        try (FtProcesses ft = new FtProcesses(dir)) {
            int arbiterPort = FtProcesses.freePort(), backupPort = FtProcesses.freePort();
            String arbiter = "tas://127.0.0.1:" + arbiterPort;
            ft.start("arbiter", "arbiter", "--listen", "" + arbiterPort).await("serving", LIVENESS_MS);
            FtProcesses.Child b = ft.start("backup", "backup", "--listen", "" + backupPort, "--arbiter", arbiter, "--trace", "trace-b");
            b.await("waiting for the primary", LIVENESS_MS);
            FtProcesses.Child p = ft.start("primary", "primary", "--backup", "127.0.0.1:" + backupPort, "--arbiter", arbiter,
                    "--console", "" + FtProcesses.freePort(), "selftest");

            assertThat(p.process().waitFor(LIVENESS_MS, TimeUnit.MILLISECONDS)).as(p.log()).isTrue();
            assertThat(b.process().waitFor(LIVENESS_MS, TimeUnit.MILLISECONDS)).as(b.log()).isTrue();
            assertThat(p.process().exitValue()).as(p.log()).isZero();
            assertThat(b.log()).doesNotContain("DIVERGENCE").contains("the guest ended at instruction");
            assertThat(b.process().exitValue()).as(b.log()).isZero();

            Cli.Result replay = Cli.run("replay", "--verify", "-q", dir.resolve("trace-b").toString());
            assertThat(replay.exit()).as(replay.err()).isZero();
        }
    }
}
