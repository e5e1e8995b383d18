// The system-level self-checks on lockstep: vmtest (MMU, PMP, traps in S and U) and fptest (F and D).
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs without QEMU: QemuDifferentialTest adds the byte-for-byte comparison with QEMU's console. */
class SystemGuestsTest {
    private static final long LIMIT = 100_000_000L;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"vmtest", "fptest"})
    void everyCheckPassesOnLockstep(String guest) {
        TestGuests.Outcome run = TestGuests.run(guest, MachineConfig.DEFAULT, TestGuests.FIXED_RTC, LIMIT);

        assertThat(run.halted()).as("%s halts", guest).isTrue();
        assertThat(run.console()).contains(" 0 failed\r\n").doesNotContain("FAIL ");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void vmtestCoversSv39Sv48BareAndLockedPmp() {
        String console = TestGuests.run("vmtest", MachineConfig.DEFAULT, TestGuests.FIXED_RTC, LIMIT).console();

        for (String scheme : new String[] {"sv39", "sv48", "bare", "locked"}) {
            assertThat(console).as("checks of %s", scheme).contains("PASS " + scheme + " ");
        }
        assertThat(console).contains("PASS sv48 S load through 512 GiB leaf: value")
                .contains("PASS sv39 S load 2^39 (canonical only in Sv48): cause");
    }

    /** The prebuilt fptest must carry the table in guests/expected/fptest.txt, one result per case it runs. */
    @Test
    void fptestRunsOneCaseForEveryExpectedResultFromQemu() throws IOException {
        long expected = Files.readAllLines(TestGuests.root().resolve("guests/expected/fptest.txt")).stream()
                .filter(l -> l.startsWith("{"))
                .count();
        String console = TestGuests.run("fptest", MachineConfig.DEFAULT, TestGuests.FIXED_RTC, LIMIT).console();

        Matcher m = Pattern.compile("fptest: (\\d+) cases against QEMU's results").matcher(console);
        assertThat(m.find()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(expected);
        assertThat(console.lines().filter(l -> l.startsWith("PASS f") && l.contains(" fl=")).count()).isEqualTo(expected);
    }
}
