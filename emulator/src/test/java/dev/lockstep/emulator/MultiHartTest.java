// Several harts: they take turns on one instruction number, and a run is the same however it is cut up.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The smp guest (guests/smp.c) checks what a multi-hart guest relies on: every hart starts with its own
 * mhartid, an LR/SC lock and AMOs stay atomic across turns, IPIs through the CLINT wake a hart from WFI, each
 * hart has its own timer and its own minstret. Beyond that, DESIGN §1 asks that the interleaving be a function
 * of the machine's state alone: the same run cut into other slices, restored from a snapshot, or run with
 * translation off, reaches the same states.
 */
class MultiHartTest {
    private static final long LIMIT = 200_000_000L;

    private static MachineConfig harts(int n) { return MachineConfig.DEFAULT.withHarts(n); }

    @ParameterizedTest(name = "{0} harts")
    @ValueSource(ints = {1, 2, 3, 4, 8})
    void theSmpGuestPassesOnAnyNumberOfHarts(int n) {
        TestGuests.Console console = new TestGuests.Console();
        Machine m = TestGuests.machine("smp", harts(n), TestGuests.FIXED_RTC, console);

        assertThat(TestGuests.runTo(m, LIMIT)).isEqualTo(Machine.Status.HALTED);

        assertThat(console.text()).contains("smp: " + n + " hart").endsWith("PASS\r\n");
        assertThat(m.exitCode()).isZero();
        assertThat(m.harts()).hasSize(n);
    }

    @Test
    void aGuestForOneHartRunsAsBeforeWithItsOtherHartsParked() {
        TestGuests.Outcome one = TestGuests.run("selftest", harts(1), TestGuests.FIXED_RTC, LIMIT);
        TestGuests.Outcome two = TestGuests.run("selftest", harts(2), TestGuests.FIXED_RTC, LIMIT);

        assertThat(two.console()).isEqualTo(one.console());
        assertThat(two.exitCode()).isZero();
    }

    /** The states at fixed instruction numbers, reached in slices of random length (a replay's cuts are not the recording's). */
    private static List<Long> hashes(Machine m, Random cuts, boolean translate) {
        if (translate) m.translateAfter(2); // almost every block translated
        else m.setTranslation(false);
        List<Long> hashes = new ArrayList<>();
        for (long at = 100_000; !m.halted() && at < LIMIT; at += 100_000) {
            while (!m.halted() && m.instret() < at) {
                long step = cuts == null ? at - m.instret() : 1 + cuts.nextInt((int) Math.min(40_000, at - m.instret()));
                assertThat(TestGuests.runTo(m, m.instret() + step)).as("idle with no timer armed").isNotEqualTo(Machine.Status.IDLE);
            }
            hashes.add(m.stateHash());
        }
        return hashes;
    }

    @Test
    void theInterleavingDoesNotDependOnWhereRunsEndOrOnTranslation() {
        List<Long> whole = hashes(TestGuests.machine("smp", harts(3), TestGuests.FIXED_RTC, new TestGuests.Console()), null, true);
        List<Long> cut = hashes(TestGuests.machine("smp", harts(3), TestGuests.FIXED_RTC, new TestGuests.Console()),
                new Random(7), true);
        List<Long> interpreted = hashes(TestGuests.machine("smp", harts(3), TestGuests.FIXED_RTC, new TestGuests.Console()),
                new Random(8), false);

        assertThat(whole).hasSizeGreaterThan(2);
        assertThat(cut).isEqualTo(whole);
        assertThat(interpreted).isEqualTo(whole);
    }

    @Test
    void aSnapshotTakenMidTurnRestoresTheTurnToo() {
        Machine a = TestGuests.machine("smp", harts(4), TestGuests.FIXED_RTC, new TestGuests.Console());
        Random cuts = new Random(11);
        List<Machine.Snapshot> taken = new ArrayList<>();
        while (!a.halted() && a.instret() < LIMIT) {
            assertThat(TestGuests.runTo(a, a.instret() + 1 + cuts.nextInt(30_000))).isNotEqualTo(Machine.Status.IDLE);
            if (taken.size() < 5 && a.instret() > 200_000L * (taken.size() + 1)) taken.add(a.snapshot());
        }
        assertThat(a.halted()).isTrue();
        assertThat(taken).isNotEmpty();
        long end = a.stateHash();

        for (Machine.Snapshot s : taken) {
            TestGuests.Console console = new TestGuests.Console();
            Machine b = TestGuests.machine("smp", harts(4), TestGuests.FIXED_RTC, console);
            b.restore(s);
            assertThat(TestGuests.runTo(b, LIMIT)).isEqualTo(Machine.Status.HALTED);
            assertThat(b.instret()).isEqualTo(a.instret());
            assertThat(b.stateHash()).as("from the snapshot at %,d", s.instret()).isEqualTo(end);
        }
    }

    /**
     * A replay runs to each entry's instruction number; where the recording found every hart idle (here the idle
     * guest's hart 0 waiting for its timer, hart 1 parked), the entry is
     * due exactly there, so reaching that number is LIMIT, as with one hart, and idleness is reported only
     * short of the target.
     */
    @Test
    void reachingTheTargetWhereEveryHartWaitsIsTheLimitNotIdle() {
        Machine a = TestGuests.machine("idle", harts(2), TestGuests.FIXED_RTC, new TestGuests.Console());
        Machine.Status s;
        while ((s = a.run(LIMIT)) != Machine.Status.IDLE) assertThat(s).isNotEqualTo(Machine.Status.HALTED);
        long idleAt = a.instret();

        Machine b = TestGuests.machine("idle", harts(2), TestGuests.FIXED_RTC, new TestGuests.Console());

        assertThat(b.run(idleAt)).isEqualTo(Machine.Status.LIMIT);
        assertThat(b.instret()).isEqualTo(idleAt);
        assertThat(b.run(idleAt + 1)).isEqualTo(Machine.Status.IDLE);
        assertThat(b.stateHash()).isEqualTo(a.stateHash());
    }

    @Test
    void oneHartsConfigurationAndStateAreAsBeforeHartsCouldBeMore() {
        assertThat(harts(1).toMap()).doesNotContainKey(MachineConfig.HARTS_KEY).isEqualTo(MachineConfig.DEFAULT.toMap());
        assertThat(harts(2).toMap()).containsEntry(MachineConfig.HARTS_KEY, "2");
        assertThat(MachineConfig.fromMap(harts(3).toMap())).isEqualTo(harts(3));
        assertThat(MachineConfig.fromMap(MachineConfig.DEFAULT.toMap()).harts()).isEqualTo(1);
    }

    /**
     * Hart 0 raises hart 1's msip, counts down 409,600 instructions and then sets a flag in RAM; hart 1, with
     * MSIP enabled but MIE off (so a WFI polls rather than waits once the IPI is pending, as OpenSBI's parked
     * harts do), spins on that flag with {@code spinHint} before each look. Returns hart 1's minstret once it
     * sees the flag.
     */
    private static long spinnerInstructions(int spinHint, boolean translate) {
        final int t3 = 28, mie = 0x304, minstret = 0xb02;
        Asm.Program p = new Asm.Program(Machine.RAM_BASE);
        p.word(Asm.auipc(t3, 1), // t3 = the flag's address, RAM + 0x1000
                Asm.bne(Asm.A0, Asm.ZERO, 60)); // a0 = mhartid (the reset code's): hart 1 to +64
        p.word(Asm.lui(Asm.T0, 0x2000), Asm.addi(Asm.T1, Asm.ZERO, 1), Asm.s(4, Asm.T1, Asm.T0, 2, 0x23), // msip[1] = 1
                Asm.lui(Asm.T1, 50), Asm.addi(Asm.T1, Asm.T1, -1), Asm.bne(Asm.T1, Asm.ZERO, -4), // 204,800 rounds
                Asm.addi(Asm.T2, Asm.ZERO, 1), Asm.sd(Asm.T2, t3, 0), Asm.wfi(), Asm.jal(Asm.ZERO, -4));
        p.at(Machine.RAM_BASE + 64);
        p.word(Asm.addi(Asm.T0, Asm.ZERO, 8), Asm.csrrs(Asm.ZERO, mie, Asm.T0),
                spinHint, Asm.ld(Asm.T2, t3, 0), Asm.beq(Asm.T2, Asm.ZERO, -8),
                Asm.csrr(Asm.S1, minstret), Asm.wfi(), Asm.jal(Asm.ZERO, -4));
        Machine m = new Machine(MachineConfig.DEFAULT.withRam(1 << 20).withHarts(2),
                dev.lockstep.emulator.io.InputPort.fixedClock(0), dev.lockstep.emulator.io.OutputSink.DISCARD);
        if (translate) m.translateAfter(2); // almost every block translated
        else m.setTranslation(false);
        m.loadFlat(p.base(), p.bytes());
        while (m.harts().get(1).x(Asm.S1) == 0 && m.instret() < 10_000_000) m.run(m.instret() + 1000);
        assertThat(m.bus().read(Machine.RAM_BASE + 0x1000, 8)).as("hart 0 set the flag").isEqualTo(1);
        return m.harts().get(1).x(Asm.S1);
    }

    /**
     * A hart that spins (PAUSE, Linux's cpu_relax; or a WFI that does not wait) ends its turn there, so the
     * hart it waits for runs on: the spinner retires a few instructions per turn of the other, not a turn's
     * worth. With 4 harts Linux's boot took 126M instructions where it had taken 129M; with OpenSBI's parked
     * harts polling in WFI too, 94M.
     */
    @ParameterizedTest(name = "translated: {0}")
    @ValueSource(booleans = {true, false})
    void aSpinningHartGivesUpItsTurn(boolean translate) {
        int nop = Asm.addi(Asm.ZERO, Asm.ZERO, 0), pause = 0x0100000f;
        long busy = spinnerInstructions(nop, translate);
        assertThat(busy).as("a plain spin takes whole turns").isGreaterThan(300_000);
        assertThat(spinnerInstructions(pause, translate)).as("PAUSE ends the turn").isLessThan(1_000);
        assertThat(spinnerInstructions(Asm.wfi(), translate)).as("a WFI that polls ends the turn").isLessThan(1_000);
    }

    /**
     * Hart 1 waits in WFI for an external interrupt while hart 0 spins through its turns; the PLIC raises
     * the UART's line for hart 1 5,000 instructions into one of hart 0's turns. Hart 1 takes it within a
     * few instructions, not when hart 0's turn ends.
     */
    @ParameterizedTest(name = "translated: {0}")
    @ValueSource(booleans = {true, false})
    void anExternalInterruptForAWaitingHartEndsTheRunningHartsTurn(boolean translate) {
        final int t3 = 28, mie = 0x304, mstatus = 0x300, mcause = 0x342, minstret = 0xb02, handler = 128;
        Asm.Program p = new Asm.Program(Machine.RAM_BASE);
        p.word(Asm.bne(Asm.A0, Asm.ZERO, 64), Asm.spin()); // hart 0 spins; hart 1 goes to +64
        p.at(Machine.RAM_BASE + 64);
        p.word(Asm.auipc(t3, 0), Asm.addi(t3, t3, handler - 64), Asm.csrw(Asm.MTVEC, t3),
                Asm.addi(Asm.T0, Asm.ZERO, 1), Asm.slli(Asm.T0, Asm.T0, 11), Asm.csrrs(Asm.ZERO, mie, Asm.T0), // MEIE
                Asm.addi(Asm.T0, Asm.ZERO, 8), Asm.csrrs(Asm.ZERO, mstatus, Asm.T0), // MIE
                Asm.wfi(), Asm.jal(Asm.ZERO, -4));
        p.at(Machine.RAM_BASE + handler);
        p.word(Asm.csrr(Asm.S1, minstret), Asm.csrr(Asm.S0, mcause), Asm.spin());
        Machine m = new Machine(MachineConfig.DEFAULT.withRam(1 << 20).withHarts(2),
                dev.lockstep.emulator.io.InputPort.fixedClock(0), dev.lockstep.emulator.io.OutputSink.DISCARD);
        if (translate) m.translateAfter(2);
        else m.setTranslation(false);
        m.loadFlat(p.base(), p.bytes());
        int src = dev.lockstep.emulator.devicetree.VirtDeviceTree.UART_IRQ, context = 2; // hart 1, M-mode
        m.bus().write(Machine.PLIC_BASE + 4L * src, 4, 1); // priority 1
        m.bus().write(Machine.PLIC_BASE + 0x2000 + 0x80L * context, 4, 1L << src); // enabled for hart 1's M-mode

        m.run(25_000); // hart 1 has waited since its first turn; hart 0's third turn began near 20,000
        assertThat(m.harts().get(1).waiting()).isTrue();
        assertThat(m.hart()).isSameAs(m.harts().get(0));
        m.plic().setLevel(src, true);
        m.run(25_200);

        assertThat(m.harts().get(1).x(Asm.S0)).as("hart 1 took the machine external interrupt").isEqualTo(0x800000000000000BL);
        assertThat(m.harts().get(1).x(Asm.S1)).as("hart 1's own instructions").isPositive();
    }

    @Test
    void aHartCountOutsideOneTo32IsRefused() {
        assertThatThrownBy(() -> harts(0)).isInstanceOf(LockstepException.class)
                .hasMessageContaining("1 to 32 harts");
        assertThatThrownBy(() -> harts(33)).isInstanceOf(LockstepException.class);
    }
}
