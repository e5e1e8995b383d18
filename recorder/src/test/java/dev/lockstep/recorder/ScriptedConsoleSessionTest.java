// Acceptance 2 of issue 4: a console session driven by an input script replays with the same console bytes and final hash.
package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.traceformat.EntryType;
import dev.lockstep.traceformat.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptedConsoleSessionTest {
    /** Debian's u-boot-qemu: M-mode U-Boot for QEMU virt, booted as QEMU's -bios. */
    static final Path UBOOT = Path.of("/usr/lib/u-boot/qemu-riscv64/u-boot.bin");

    static final String UBOOT_SCRIPT = """
            # stop autoboot at the prompt, then a few commands whose output depends on the machine
            wait =>\s
            send version\\r
            wait =>\s
            send md.q 0x80000000 4\\r
            wait =>\s
            send crc32 0x80000000 0x1000\\r
            wait =>\s
            send setenv greeting hello from the script; echo $greeting\\r
            wait =>\s
            send poweroff\\r
            """;

    @TempDir
    Path tmp;

    @Test
    void aScriptedUbootSessionReplaysWithByteIdenticalConsoleAndFinalHash() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(UBOOT), "install u-boot-qemu to run this test (needs " + UBOOT + ")");
        Path dir = tmp.resolve("uboot");

        Recordings.Outcome recorded = Recordings.record(dir,
                Recordings.Setup.firmware("u-boot.bin", Files.readAllBytes(UBOOT)).script(UBOOT_SCRIPT));
        Recordings.Outcome replayed = Recordings.replay(dir);

        assertThat(recorded.console()).contains("crc32 for 80000000 ... 80000fff ==> ").contains("hello from the script")
                .contains("poweroff");
        assertThat(replayed.console()).isEqualTo(recorded.console());
        assertThat(replayed).isEqualTo(recorded);
        try (Trace t = Trace.open(dir)) {
            assertThat(t.countsByType().get(EntryType.CONSOLE_IN)).isEqualTo(5);
        }
    }

    @Test
    void bytesTypedIntoTheRacyGuestReplayAndReachItAgain() {
        Path dir = tmp.resolve("racy-typed");
        String script = """
                wait seed from the RTC
                sleep 5
                send lockstep
                sleep 10
                send \\x01\\x7f\\r
                """;

        Recordings.Outcome recorded = Recordings.record(dir, Recordings.Setup.guest("racy").script(script));
        Recordings.Outcome replayed = Recordings.replay(dir);

        // racy reads the UART in its timer interrupt and counts the bytes; all 11 must reach it, in both runs
        assertThat(recorded.console()).contains("console bytes=11 ");
        assertThat(replayed).isEqualTo(recorded);
    }
}
