// A guest's system reset (sifive_test 0x7777): the machine starts again as QEMU virt's does, or ends the run.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.io.InputPort;
import org.junit.jupiter.api.Test;

class MachineResetTest {
    private static final long LIMIT = 50_000_000L;
    private static final String THREE_BOOTS = "boot 0\r\nboot 1\r\nboot 2\r\nreboot: 3 boots, 0 failed\r\n";
    /** Where the reboot guest keeps its boot count, outside its image. */
    private static final long KEPT = 0x80400000L;
    private static final int[] CSRS = {0x300, 0x301, 0x302, 0x303, 0x304, 0x305, 0x306, 0x30a, 0x340, 0x341, 0x342, 0x343,
        0x344, 0x100, 0x104, 0x105, 0x106, 0x140, 0x141, 0x142, 0x143, 0x180, 0x3a0, 0x3b0, 0x001, 0x002};

    @Test
    void theRebootGuestBootsThreeTimesAndFindsWhatAResetRestoresAndKeeps() {
        TestGuests.Console console = new TestGuests.Console();
        Machine m = TestGuests.machine("reboot", MachineConfig.DEFAULT, TestGuests.FIXED_RTC, console);

        Machine.Status s = TestGuests.runTo(m, LIMIT);

        assertThat(s).isEqualTo(Machine.Status.HALTED);
        assertThat(console.text()).isEqualTo(THREE_BOOTS);
        assertThat(m.exitCode()).isZero();
        assertThat(m.haltReason()).isEqualTo("poweroff");
        assertThat(m.resets()).isEqualTo(2);
    }

    @Test
    void exitOnRebootEndsTheRunAtTheFirstReset() {
        TestGuests.Console console = new TestGuests.Console();
        Machine m = TestGuests.machine("reboot", MachineConfig.DEFAULT.withExitOnReboot(true), TestGuests.FIXED_RTC, console);

        Machine.Status s = TestGuests.runTo(m, LIMIT);

        assertThat(s).isEqualTo(Machine.Status.HALTED);
        assertThat(console.text()).isEqualTo("boot 0\r\n");
        assertThat(m.exitCode()).isZero();
        assertThat(m.haltReason()).isEqualTo("reset");
        assertThat(m.resets()).isZero();
    }

    /** Stepped one instruction at a time, so the reset is seen at the boundary right after the store that asks for it. */
    @Test
    void rightAfterTheResetTheHartAndDevicesAreAsBuiltAndOnlyTheImageIsWrittenAgain() {
        TestGuests.Console console = new TestGuests.Console();
        Machine m = TestGuests.machine("reboot", MachineConfig.DEFAULT, TestGuests.FIXED_RTC, console);
        Machine fresh = TestGuests.machine("reboot", MachineConfig.DEFAULT, TestGuests.FIXED_RTC, new TestGuests.Console());
        long ramImage = 0x80000000L;
        byte[] image = new byte[16 << 10];
        fresh.bus().readBytes(ramImage, image, 0, image.length);

        while (m.resets() == 0) {
            long before = m.instret();
            assertThat(m.run(before + 1)).isEqualTo(Machine.Status.LIMIT);
            assertThat(m.instret()).isEqualTo(before + 1);
        }

        assertThat(console.text()).isEqualTo("boot 0\r\n");
        assertThat(m.hart().pc()).isEqualTo(Machine.MROM_BASE);
        assertThat(m.hart().priv()).isEqualTo(fresh.hart().priv());
        for (int i = 0; i < 32; i++) assertThat(m.hart().x(i)).as("x%d", i).isEqualTo(fresh.hart().x(i));
        for (int csr : CSRS) assertThat(m.hart().readCsr(csr)).as("CSR 0x%x", csr).isEqualTo(fresh.hart().readCsr(csr));
        assertThat(m.hart().mtimecmp()).isEqualTo(fresh.hart().mtimecmp());
        assertThat(m.deviceStates()).containsExactlyEntriesOf(fresh.deviceStates());
        byte[] after = new byte[image.length];
        m.bus().readBytes(ramImage, after, 0, after.length);
        assertThat(after).as("the image, .data included, as loaded").isEqualTo(image);
        assertThat(m.bus().read(KEPT + 8, 8)).as("the boot count the guest left outside its image").isEqualTo(1);
        assertThat(m.instret()).as("the instruction number goes on").isPositive();
        assertThat(m.time()).as("so does mtime").isEqualTo(m.clock().ticks(m.instret()));

        assertThat(TestGuests.runTo(m, LIMIT)).isEqualTo(Machine.Status.HALTED);
        assertThat(console.text()).isEqualTo(THREE_BOOTS);
    }

    @Test
    void aSnapshotFromBeforeTheResetsRunsToTheSameEndAsTheRunItCameFrom() {
        Machine m = TestGuests.machine("reboot", MachineConfig.DEFAULT, TestGuests.FIXED_RTC, new TestGuests.Console());
        m.run(5_000);
        Machine.Snapshot early = m.snapshot();
        TestGuests.runTo(m, LIMIT);
        long end = m.instret(), hash = m.stateHash();

        Machine other = new Machine(MachineConfig.DEFAULT, InputPort.fixedClock(TestGuests.FIXED_RTC), new TestGuests.Console());
        other.load(TestGuests.elf("reboot"));
        other.restore(early);
        // In uneven slices, so that some slice ends inside a boot and the resets fall mid-slice.
        while (other.instret() < LIMIT && TestGuests.runTo(other, other.instret() + 7_919) != Machine.Status.HALTED) { }

        assertThat(m.resets()).isEqualTo(2);
        assertThat(other.instret()).isEqualTo(end);
        assertThat(other.stateHash()).isEqualTo(hash);
    }

    @Test
    void theConfigRecordsWhatAResetDoesAndATraceWithoutTheKeyEndedOnIt() {
        MachineConfig exits = MachineConfig.DEFAULT.withExitOnReboot(true);
        java.util.Map<String, String> old = new java.util.LinkedHashMap<>(MachineConfig.DEFAULT.toMap());
        old.remove(MachineConfig.REBOOT_KEY);

        assertThat(MachineConfig.fromMap(MachineConfig.DEFAULT.toMap())).isEqualTo(MachineConfig.DEFAULT);
        assertThat(MachineConfig.fromMap(exits.toMap())).isEqualTo(exits);
        assertThat(MachineConfig.fromMap(old).exitOnReboot()).as("a header from before resets existed").isTrue();
        InputPort in = InputPort.fixedClock(0);
        assertThat(new Machine(exits, in, new TestGuests.Console()).deviceTree())
                .as("the DTB, rng-seed included, as before the key existed")
                .isEqualTo(new Machine(MachineConfig.DEFAULT, in, new TestGuests.Console()).deviceTree());
    }
}
