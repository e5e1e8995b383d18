// A translated block that branches back to its own start loops without the run loop: nothing the guest can see changes.
package dev.lockstep.emulator;

import static dev.lockstep.emulator.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.Asm.Program;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Each program runs interpreted only and with translation, in the same steps (run budgets), and the
 * hart's whole visible state must match after every step: the loops here are hot enough to be
 * translated, and their iterations straddle every step boundary, a fault and a timer interrupt.
 */
class SelfLoopTest {
    private static final long RAM = Machine.RAM_BASE;
    private static final long HANDLER = RAM + 0x200;
    private static final MachineConfig SMALL = MachineConfig.DEFAULT.withRam(1 << 20);
    private static final int A2 = 12, A3 = 13, T3 = 28, MIE = 0x304;

    private static List<String> run(Program p, boolean translate, long step, long total) {
        Machine m = new Machine(SMALL, InputPort.fixedClock(0), OutputSink.DISCARD);
        if (translate) m.hart().translateAfter(2); // almost every block translated
        else m.hart().setTranslation(false);
        m.loadFlat(p.base(), p.bytes());
        List<String> states = new ArrayList<>();
        while (m.instret() < total) {
            m.run(Math.min(total, m.instret() + step));
            StringBuilder s = new StringBuilder("instret=" + m.instret() + " pc=" + Long.toHexString(m.hart().pc()));
            for (int r = 1; r < 32; r++) s.append(' ').append(Long.toHexString(m.hart().x(r)));
            for (int csr : new int[] {MEPC, MCAUSE, MTVAL}) s.append(" csr=").append(Long.toHexString(m.hart().readCsr(csr)));
            states.add(s.toString());
        }
        return states;
    }

    private static void assertSame(Program p, long step, long total) {
        List<String> interpreted = run(p, false, step, total);
        List<String> translated = run(p, true, step, total);
        assertThat(translated).isEqualTo(interpreted);
    }

    /** mtvec = HANDLER; the handler counts traps in s1 and spins. */
    private static Program program() {
        Program p = new Program(RAM).word(auipc(T0, 0), addi(T0, T0, (int) (HANDLER - RAM)), csrw(MTVEC, T0));
        return p;
    }

    @ParameterizedTest(name = "steps of {0}")
    @ValueSource(longs = {1, 2, 7, 100, 1000, 99_991, 1_000_000})
    void aCountingLoopRetiresTheSameInstructionsInEveryStep(long step) {
        // a0 += 3, t1 -= 1 until t1 == 0, three instructions a round, 5000 rounds; then spin.
        Program p = program().word(addi(T1, ZERO, 2000), add(T1, T1, T1), addi(T1, T1, 1000), addi(A0, ZERO, 0),
                addi(A0, A0, 3), addi(T1, T1, -1), bne(T1, ZERO, -8), spin());
        p.at(HANDLER).word(spin());
        assertSame(p, step, 40_000);
    }

    @ParameterizedTest(name = "steps of {0}")
    @ValueSource(longs = {1, 3, 10, 97, 1000, 1_000_000})
    void branchesInsideABlockLeaveAndLoopAtTheSameInstructions(long step) {
        // A block runs on past a conditional branch that is not taken. Here: an outer loop whose block holds an
        // inner loop's back edge (taken: leaves mid-block), a forward branch taken every other round or so, and
        // its own back edge to the block's start, followed by more code.
        Program p = program().word(addi(S0, ZERO, 500),
                addi(T1, ZERO, 7),        // outer: the start of the block
                addi(A0, A0, 3),          // inner
                addi(T1, T1, -1),
                bne(T1, ZERO, -8),        // to inner: mid-block, so the block leaves
                add(A1, A1, A0),
                i(4, A1, 7, T2, 0x13),    // andi t2, a1, 4
                beq(T2, ZERO, 8),         // forward, over the next instruction
                addi(A2, A2, 1),
                addi(S0, S0, -1),
                bne(S0, ZERO, -36),       // to outer: the block's own start
                addi(A3, A1, 1), add(A3, A3, A2), spin());
        p.at(HANDLER).word(spin());
        assertSame(p, step, 20_000);
        List<String> end = run(p, true, 1_000_000, 20_000);
        assertThat(end.get(end.size() - 1)).contains(" " + Long.toHexString(500 * 7 * 3) + " "); // a0
    }

    @Test
    void aLoadFaultInsideATranslatedLoopTrapsAtTheSameInstruction() {
        // t2 walks up to the end of RAM 8 bytes a round; the round past it takes a load access fault.
        // t2 = the end of RAM, from the pc (auipc at RAM + 12), less 200 rounds.
        Program p = program().word(auipc(T2, 0x100), addi(T2, T2, -12), addi(T2, T2, -8 * 200), addi(A1, ZERO, 0),
                ld(A2, T2, 0), add(A1, A1, A2), addi(T2, T2, 8), bne(T2, ZERO, -12));
        p.at(HANDLER).word(addi(S1, S1, 1), spin());
        for (long step : new long[] {13, 1000, 1_000_000}) assertSame(p, step, 5_000);
        List<String> end = run(p, true, 1_000_000, 5_000);
        assertThat(end.get(end.size() - 1)).contains("csr=5 csr=80100000"); // mcause 5, mtval = the end of RAM
    }

    @Test
    void aTimerInterruptArrivesInsideATranslatedLoopAtTheSameInstruction() {
        // mtimecmp = 50 ticks, MTIE and MIE on, then a long loop; the handler takes the interrupt and spins.
        Program p = program().word(lui(T3, 0x2004), addi(A3, ZERO, 50), sd(A3, T3, 0), addi(T0, ZERO, 0x80), csrw(MIE, T0),
                addi(T0, ZERO, 8), csrrs(ZERO, MSTATUS, T0), lui(T1, 0x100), addi(A0, ZERO, 0),
                addi(A0, A0, 1), addi(T1, T1, -1), bne(T1, ZERO, -8), spin());
        p.at(HANDLER).word(addi(S1, S1, 1), spin());
        for (long step : new long[] {17, 10_000, 1_000_000}) assertSame(p, step, 3_000_000);
        List<String> end = run(p, true, 1_000_000, 3_000_000);
        assertThat(end.get(end.size() - 1)).contains("csr=8000000000000007"); // mcause: machine timer interrupt
    }
}
