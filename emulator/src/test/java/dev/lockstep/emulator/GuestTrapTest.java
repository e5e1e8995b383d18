// Guests that go wrong: jumps to unmapped memory and illegal instructions become guest traps, never host failures.
package dev.lockstep.emulator;

import static dev.lockstep.emulator.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.cpu.Priv;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputSink;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hand-assembled guests in RAM, entered through the reset vector. Each sets mtvec to a handler and then
 * misbehaves; the run is bounded by an instruction limit, as --max-instructions bounds it on the command line.
 */
class GuestTrapTest {
    private static final long RAM = Machine.RAM_BASE;
    private static final long HANDLER = RAM + 0x100;
    private static final MachineConfig SMALL = MachineConfig.DEFAULT.withRam(1 << 20);

    private static Machine boot(Program p) {
        Machine m = new Machine(SMALL, InputPort.fixedClock(0), OutputSink.DISCARD);
        m.loadFlat(p.base(), p.bytes());
        return m;
    }

    /** Sets mtvec to {@link #HANDLER} (reached PC-relatively: lui would sign-extend 0x80000000 on RV64). */
    private static Program withHandlerAt(long handler) {
        return new Program(RAM).word(auipc(T0, 0), addi(T0, T0, (int) (handler - RAM)), csrw(MTVEC, T0));
    }

    @ParameterizedTest(name = "jump to 0x{0}")
    @ValueSource(strings = {"0", "40000000", "80100000"})
    void aJumpToUnmappedMemoryTakesAnInstructionAccessFault(String hexTarget) {
        long target = Long.parseLong(hexTarget, 16);
        // The target is built with lui + slli, so it also works for 0x80100000 (lui alone sign-extends).
        Program p = withHandlerAt(HANDLER).word(lui(T1, (int) (target >>> 13)), slli(T1, T1, 1), jalr(RA, T1, 0));
        p.at(HANDLER).word(spin());
        Machine m = boot(p);

        Machine.Status status = m.run(10_000);

        assertThat(status).isEqualTo(Machine.Status.LIMIT);
        assertThat(m.instret()).isEqualTo(10_000);
        assertThat(m.hart().pc()).isEqualTo(HANDLER);
        assertThat(m.hart().priv()).isEqualTo(Priv.M);
        assertThat(m.hart().readCsr(MCAUSE)).isEqualTo(1);
        assertThat(m.hart().readCsr(MEPC)).isEqualTo(target);
        assertThat(m.hart().readCsr(MTVAL)).isEqualTo(target);
        assertThat(m.hart().x(RA)).as("the jump itself retired and linked").isEqualTo(RAM + 6 * 4);
    }

    @Test
    void anIllegalInstructionTrapsWithItsBitsInMtval() {
        long bad = RAM + 3 * 4;
        Program p = withHandlerAt(HANDLER).word(0xffffffff);
        p.at(HANDLER).word(spin());
        Machine m = boot(p);

        m.run(1_000);

        assertThat(m.hart().readCsr(MCAUSE)).isEqualTo(2);
        assertThat(m.hart().readCsr(MTVAL)).isEqualTo(0xffffffffL);
        assertThat(m.hart().readCsr(MEPC)).isEqualTo(bad);
        assertThat(m.hart().pc()).isEqualTo(HANDLER);
    }

    @Test
    void aGuestSpinningOnIllegalInstructionsIsStoppedByTheInstructionLimit() {
        // main: illegal; j main. The handler skips the illegal word (mepc += 4), counts in s0 and returns.
        long main = RAM + 3 * 4;
        Program p = withHandlerAt(HANDLER).word(0xffffffff, jal(ZERO, -4));
        p.at(HANDLER).word(csrr(T1, MEPC), addi(T1, T1, 4), csrw(MEPC, T1), addi(S0, S0, 1), mret());
        Machine m = boot(p);

        Machine.Status status = m.run(600_000);

        assertThat(status).isEqualTo(Machine.Status.LIMIT);
        assertThat(m.instret()).isEqualTo(600_000);
        assertThat(m.hart().x(S0)).as("traps taken").isGreaterThan(90_000);
        assertThat(m.hart().readCsr(MCAUSE)).isEqualTo(2);
        assertThat(m.hart().readCsr(MTVAL)).isEqualTo(0xffffffffL);
        assertThat(m.hart().readCsr(MEPC)).isIn(main, main + 4);
    }

    /**
     * mtvec points at an illegal word: every trap traps again at once and no instruction ever retires. The
     * guest is stuck (as on QEMU), but run(N) counts retired instructions, so it must still come back, or
     * `lockstep run --max-instructions` and a replayer seeking past this point hang the host. A watchdog
     * rescues the test thread with requestStop() if run does not return by itself; it is a hang guard only.
     */
    @Test
    void aTrapStormThatNeverRetiresStillReturnsFromRun() throws InterruptedException {
        long stormAt = RAM + 3 * 4;
        Program p = withHandlerAt(stormAt).word(0xffffffff);
        Machine m = boot(p);
        AtomicBoolean rescued = new AtomicBoolean();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(60_000);
                rescued.set(true);
                m.requestStop();
            } catch (InterruptedException e) {
                // run returned by itself
            }
        }, "storm-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        Machine.Status status = m.run(1_000);
        watchdog.interrupt();

        assertThat(status).isEqualTo(Machine.Status.STUCK);
        assertThat(rescued).as("run(N) had to be stopped from outside").isFalse();
        assertThat(m.hart().readCsr(MCAUSE)).isEqualTo(2);
        assertThat(m.hart().readCsr(MTVAL)).isEqualTo(0xffffffffL);
        assertThat(m.hart().readCsr(MEPC)).isEqualTo(stormAt);
    }
}
