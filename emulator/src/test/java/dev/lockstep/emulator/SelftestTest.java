// The guest ISA self-check, run on lockstep: every check passes and the guest exits 0.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SelftestTest {
    @Test
    void selftestPassesOnLockstep() {
        TestGuests.Outcome run = TestGuests.run("selftest", MachineConfig.DEFAULT, TestGuests.FIXED_RTC, 100_000_000L);

        assertThat(run.halted()).isTrue();
        assertThat(run.console()).contains(" 0 failed\r\n").doesNotContain("FAIL ");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void helloPrintsItsGreetingAndExitsZero() {
        TestGuests.Outcome run = TestGuests.run("hello", MachineConfig.DEFAULT, TestGuests.FIXED_RTC, 1_000_000L);

        assertThat(run.console()).isEqualTo("Hello from lockstep guest\r\n");
        assertThat(run.exitCode()).isZero();
    }
}
