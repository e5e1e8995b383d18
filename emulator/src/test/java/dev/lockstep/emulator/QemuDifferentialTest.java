// lockstep against QEMU virt: the same ELF must print the same console and exit with the same status.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Differential tests against qemu-system-riscv64 (the machine lockstep claims to be compatible with).
 * bench is left out because it runs ~1.4e9 instructions, racy because its output depends on guest time,
 * kvserver because it needs a disk and a network (KvServerTest compares it with QEMU).
 *
 * <p>Why a mask at all: QEMU's minstret, mcycle and mtime are not exact even with -icount, so the values
 * guests print from them differ between the machines. Guests print every such value, and nothing else, as
 * an {@code @name=VALUE} token; the comparison masks exactly {@code @[A-Za-z_]+=\S+} in both consoles and
 * requires every other byte to be identical.
 */
class QemuDifferentialTest {
    private static final long LIMIT = 200_000_000L;

    private static Boolean qemu;

    /** Per test rather than per class, so that each test is reported as skipped, with what to install. */
    @BeforeEach
    void needsQemu() {
        if (qemu == null) qemu = Qemu.available();
        Assumptions.assumeTrue(qemu, Qemu.INSTALL_HINT);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hello", "selftest", "bench-small", "vmtest", "fptest", "reboot"})
    void consoleAndExitStatusMatchQemu(String guest) {
        Qemu.Result qemu = Qemu.run(TestGuests.prebuilt(guest));
        TestGuests.Outcome lockstep = TestGuests.run(guest, MachineConfig.DEFAULT, TestGuests.FIXED_RTC, LIMIT);

        assertThat(lockstep.halted()).as("%s halts on lockstep", guest).isTrue();
        assertThat(lockstep.masked()).as("%s console, volatile fields masked", guest)
                .isNotEmpty()
                .isEqualTo(TestGuests.mask(qemu.console()));
        assertThat(lockstep.exitCode()).as("%s exit status", guest).isEqualTo(qemu.exitCode());
    }

    /** The smp guest's lines do not depend on how the harts interleave, so QEMU's threads and lockstep's turns print alike. */
    @ParameterizedTest(name = "{0} harts")
    @ValueSource(ints = {1, 2, 4, 8})
    void theSmpGuestPrintsWhatQemusHartsPrint(int harts) {
        Qemu.Result qemu = Qemu.run(TestGuests.prebuilt("smp"), harts);
        TestGuests.Outcome lockstep = TestGuests.run("smp", MachineConfig.DEFAULT.withHarts(harts), TestGuests.FIXED_RTC, LIMIT);

        assertThat(qemu.console()).endsWith("PASS\r\n");
        assertThat(lockstep.console()).isEqualTo(qemu.console());
        assertThat(lockstep.exitCode()).isEqualTo(qemu.exitCode()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"selftest", "vmtest", "fptest", "reboot"})
    void selfCheckingGuestPassesOnQemu(String guest) {
        Qemu.Result qemu = Qemu.run(TestGuests.prebuilt(guest));

        assertThat(qemu.exitCode()).as("%s failures on QEMU", guest).isZero();
        assertThat(qemu.console()).contains(" 0 failed\r\n").doesNotContain("FAIL ");
    }
}
