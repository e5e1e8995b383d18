// The guest's debug triggers (Sdtrig mcontrol): breakpoints on execution, loads and stores, and their CSRs' WARL rules.
package dev.lockstep.emulator;

import static dev.lockstep.emulator.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hand-assembled M-mode guests that program a trigger and then run into it. The handler at {@link #HANDLER}
 * either spins (so mcause, mepc and mtval can be read afterwards) or counts in s0 and skips the instruction.
 */
class TriggerTest {
    private static final long RAM = Machine.RAM_BASE;
    private static final long HANDLER = RAM + 0x400;
    /** Far from the image and from the device tree, which the machine places after the image. */
    private static final long DATA = RAM + 0x80000;
    /** Outside the image, so a reset does not write it again. */
    private static final long KEPT = RAM + 0x90000;
    private static final MachineConfig SMALL = MachineConfig.DEFAULT.withRam(1 << 20);
    private static final int TSELECT = 0x7a0, TDATA1 = 0x7a1, TDATA2 = 0x7a2, TDATA3 = 0x7a3, TINFO = 0x7a4,
            TCONTROL = 0x7a5, MEDELEG = 0x302;
    private static final long MCONTROL = 2L << 60, DISABLED = 15L << 60;
    private static final long M = 1 << 6, S = 1 << 4, U = 1 << 3, EXECUTE = 1 << 2, STORE = 1 << 1, LOAD = 1;
    private static final long MTE = 1 << 3;
    private static final int S2 = 18, S3 = 19, S4 = 20, S5 = 21, A2 = 12, T3 = 28;

    /** Loads a 64-bit constant: the top 9 bits, then five 11-bit chunks (every addi immediate stays positive). */
    private static int[] li(int rd, long v) {
        int[] w = new int[11];
        w[0] = addi(rd, ZERO, (int) (v >>> 55));
        for (int k = 0; k < 5; k++) {
            w[1 + 2 * k] = slli(rd, rd, 11);
            w[2 + 2 * k] = addi(rd, rd, (int) ((v >>> (44 - 11 * k)) & 0x7ff));
        }
        return w;
    }

    private static int csrrsReg(int csr, int rs1) { return csrrs(ZERO, csr, rs1); }

    /** mtvec = HANDLER; tcontrol.mte = 1, so triggers fire in M-mode (as riscv-tests' breakpoint test sets it). */
    private static Program prologue(boolean mte) {
        Program p = new Program(RAM).word(li(T0, HANDLER)).word(csrw(MTVEC, T0));
        if (mte) p.word(addi(T0, ZERO, (int) MTE), csrrsReg(TCONTROL, T0));
        return p;
    }

    /** Selects trigger {@code index} and programs it: tdata2 first, then tdata1, as the spec advises. */
    private static Program arm(Program p, int index, long address, long control) {
        return p.word(addi(T0, ZERO, index), csrw(TSELECT, T0)).word(li(T0, address)).word(csrw(TDATA2, T0))
                .word(li(T0, control)).word(csrw(TDATA1, T0));
    }

    /** A handler that counts in s0 and returns past the 4-byte instruction that trapped. */
    private static void skippingHandler(Program p) {
        p.at(HANDLER).word(addi(S0, S0, 1), csrr(T2, MEPC), addi(T2, T2, 4), csrw(MEPC, T2), mret());
    }

    /** The instruction at which {@link #jumpToTrigger} arms trigger 0. */
    private static final long TARGET = RAM + 0x200;

    /**
     * Arms trigger 0 with {@code control} on TARGET (an {@code addi s1, s1, 1}, then a spin), jumps there
     * (with tcontrol.mte set if {@code mte}) and runs 2,000 instructions; the handler spins.
     */
    private static Machine jumpToTrigger(boolean mte, long control) {
        Program p = prologue(mte);
        arm(p, 0, TARGET, control).word(jal(ZERO, (int) (TARGET - p.here())));
        p.at(TARGET).word(addi(S1, S1, 1), spin());
        p.at(HANDLER).word(spin());
        Machine m = boot(p);
        m.run(2_000);
        return m;
    }

    private static Machine boot(Program p) {
        Machine m = new Machine(SMALL, InputPort.fixedClock(0), OutputSink.DISCARD);
        m.loadFlat(p.base(), p.bytes());
        return m;
    }

    @Test
    void anExecuteTriggerTakesABreakpointBeforeTheInstructionRuns() {
        Machine m = jumpToTrigger(true, MCONTROL | M | EXECUTE);

        assertThat(m.hart().readCsr(MCAUSE)).isEqualTo(3);
        assertThat(m.hart().readCsr(MEPC)).isEqualTo(TARGET);
        assertThat(m.hart().readCsr(MTVAL)).isEqualTo(TARGET);
        assertThat(m.hart().x(S1)).as("the instruction at the trigger did not run").isZero();
        assertThat(m.hart().pc()).isEqualTo(HANDLER);
    }

    @Test
    void anExecuteTriggerWhoseModeBitIsClearDoesNotFire() {
        Machine m = jumpToTrigger(true, MCONTROL | S | U | EXECUTE);

        assertThat(m.hart().x(S1)).isEqualTo(1);
        assertThat(m.hart().pc()).isEqualTo(TARGET + 4);
        assertThat(m.hart().readCsr(MCAUSE)).isZero();
    }

    @Test
    void inMModeATriggerFiresOnlyWhileTcontrolMteIsSet() {
        Machine m = jumpToTrigger(false, MCONTROL | M | EXECUTE);

        assertThat(m.hart().x(S1)).as("mte is 0 at reset: no re-entry into M-mode handlers").isEqualTo(1);
        assertThat(m.hart().readCsr(MCAUSE)).isZero();
    }

    @Test
    void theTrapTurnsMteOffAndMretTurnsItBackOn() {
        Program p = prologue(true);
        arm(p, 0, TARGET, MCONTROL | M | EXECUTE).word(jal(ZERO, (int) (TARGET - p.here())));
        p.at(TARGET).word(addi(S1, S1, 1), csrr(A1, TCONTROL), spin());
        p.at(HANDLER).word(csrr(A0, TCONTROL), csrr(T2, MEPC), addi(T2, T2, 4), csrw(MEPC, T2), mret());
        Machine m = boot(p);

        m.run(2_000);

        assertThat(m.hart().x(A0)).as("in the handler: mpte = 1, mte = 0").isEqualTo(0x80);
        assertThat(m.hart().x(A1)).as("after mret: mte = mpte").isEqualTo(0x88);
        assertThat(m.hart().x(S1)).as("the handler skipped the instruction").isZero();
    }

    @ParameterizedTest(name = "trigger at +{0}")
    @ValueSource(ints = {0, 4, 7})
    void aLoadTriggerStopsALoadOfAnyOfItsBytesBeforeItHappens(int offset) {
        Program p = prologue(true);
        arm(p, 0, DATA + offset, MCONTROL | M | LOAD).word(li(S2, DATA)).word(li(A0, 0x5a5a)).word(li(T1, 0x1234));
        p.word(sd(T1, S2, 0));
        long load = p.here();
        p.word(ld(A0, S2, 0), spin());
        p.at(HANDLER).word(spin());
        Machine m = boot(p);

        m.run(2_000);

        assertThat(m.hart().readCsr(MCAUSE)).isEqualTo(3);
        assertThat(m.hart().readCsr(MEPC)).isEqualTo(load);
        assertThat(m.hart().readCsr(MTVAL)).isEqualTo(DATA + offset);
        assertThat(m.hart().x(A0)).as("the load wrote no register").isEqualTo(0x5a5a);
    }

    @Test
    void aLoadTriggerIgnoresStoresAndOtherAddresses() {
        Program p = prologue(true);
        arm(p, 0, DATA + 8, MCONTROL | M | LOAD).word(li(S2, DATA)).word(li(T1, 0x1234));
        p.word(sd(T1, S2, 8), ld(A0, S2, 0), ld(A1, S2, 16), spin());
        p.at(HANDLER).word(spin());
        Machine m = boot(p);

        m.run(2_000);

        assertThat(m.hart().readCsr(MCAUSE)).isZero();
        assertThat(m.bus().read(DATA + 8, 8)).isEqualTo(0x1234);
    }

    @Test
    void aStoreTriggerLeavesMemoryUnchanged() {
        Program p = prologue(true);
        arm(p, 0, DATA, MCONTROL | M | STORE).word(li(S2, DATA)).word(li(T1, 0x1234));
        long store = p.here();
        p.word(sd(T1, S2, 0), spin());
        p.at(HANDLER).word(spin());
        Machine m = boot(p);

        m.run(2_000);

        assertThat(m.hart().readCsr(MCAUSE)).isEqualTo(3);
        assertThat(m.hart().readCsr(MEPC)).isEqualTo(store);
        assertThat(m.hart().readCsr(MTVAL)).isEqualTo(DATA);
        assertThat(m.bus().read(DATA, 8)).isZero();
    }

    @Test
    void tselectKeepsAValidIndexWhenWrittenOneOutOfRange() {
        Program p = prologue(true);
        p.word(csrw(TSELECT, ZERO), csrr(A0, TSELECT));
        p.word(addi(T0, ZERO, 1), csrw(TSELECT, T0), csrr(A1, TSELECT));
        p.word(addi(T0, ZERO, 2), csrw(TSELECT, T0), csrr(A2, TSELECT));
        p.word(addi(T0, ZERO, -1), csrw(TSELECT, T0), csrr(S1, TSELECT), spin());
        Machine m = boot(p);

        m.run(2_000);

        assertThat(m.hart().x(A0)).isZero();
        assertThat(m.hart().x(A1)).isEqualTo(1);
        assertThat(m.hart().x(A2)).as("there is no trigger 2").isEqualTo(1);
        assertThat(m.hart().x(S1)).isEqualTo(1);
    }

    /** Writes {@code written} to tdata1 and returns what reads back. */
    private static long tdata1After(long written) {
        Program p = prologue(true);
        p.word(li(T0, written)).word(csrw(TDATA1, T0), csrr(A0, TDATA1), spin());
        Machine m = boot(p);
        m.run(2_000);
        assertThat(m.hart().readCsr(MCAUSE)).as("tdata1 is writable in M-mode").isZero();
        return m.hart().x(A0);
    }

    @Test
    void tdata1KeepsASupportedMcontrolAsWritten() {
        long supported = MCONTROL | M | S | U | EXECUTE | STORE | LOAD;
        assertThat(tdata1After(supported)).isEqualTo(supported);
    }

    @Test
    void tdata1ReadsBackDifferentlyWhenWhatWasWrittenIsNotSupported() {
        long wanted = MCONTROL | M | LOAD;
        assertThat(tdata1After(wanted | 2 << 7)).as("match >= is not supported").isEqualTo(wanted);
        assertThat(tdata1After(wanted | 1 << 12)).as("action 1 (debug mode) is not supported").isEqualTo(wanted);
        assertThat(tdata1After(wanted | 1L << 59)).as("dmode is only writable from debug mode").isEqualTo(wanted);
        assertThat(tdata1After(wanted | 1 << 19 | 1 << 18 | 1 << 16 | 1 << 11))
                .as("select, timing, size and chain are 0 only").isEqualTo(wanted);
        assertThat(tdata1After(6L << 60 | M | LOAD)).as("mcontrol6 is not supported: the trigger is disabled")
                .isEqualTo(DISABLED);
        assertThat(tdata1After(0)).as("writing 0 disables the trigger").isEqualTo(DISABLED);
    }

    @Test
    void tinfoListsMcontrolAndDisabledAndTdata3ReadsZero() {
        Program p = prologue(true);
        p.word(csrr(A0, TINFO), addi(T0, ZERO, 5), csrw(TDATA3, T0), csrr(A1, TDATA3), csrr(A2, TDATA1), spin());
        Machine m = boot(p);

        m.run(2_000);

        assertThat(m.hart().x(A0)).isEqualTo(1L << 24 | 1L << 15 | 1L << 2);
        assertThat(m.hart().x(A1)).isZero();
        assertThat(m.hart().x(A2)).as("at reset the trigger is disabled").isEqualTo(DISABLED);
    }

    @Test
    void triggerCsrsAreMachineModeOnly() {
        // mret to S-mode (MPP = 1) at a csrr tselect, which must trap as an illegal instruction.
        Program p = prologue(true);
        long sCode = RAM + 0x200;
        p.word(li(T0, 1L << 11)).word(csrw(MSTATUS, T0)).word(li(T0, sCode)).word(csrw(MEPC, T0), mret());
        p.at(sCode).word(csrr(A0, TSELECT), spin());
        p.at(HANDLER).word(spin());
        Machine m = boot(p);

        m.run(2_000);

        assertThat(m.hart().readCsr(MCAUSE)).isEqualTo(2);
        assertThat(m.hart().readCsr(MEPC)).isEqualTo(sCode);
    }

    @Test
    void aTriggerInUModeTrapsToMWithItsPc() {
        Program p = prologue(false);
        long uCode = RAM + 0x200;
        arm(p, 0, uCode + 4, MCONTROL | U | EXECUTE);
        p.word(csrw(MSTATUS, ZERO)).word(li(T0, uCode)).word(csrw(MEPC, T0), mret());
        p.at(uCode).word(addi(S1, S1, 1), addi(S1, S1, 1), spin());
        p.at(HANDLER).word(spin());
        Machine m = boot(p);

        m.run(2_000);

        assertThat(m.hart().readCsr(MCAUSE)).isEqualTo(3);
        assertThat(m.hart().readCsr(MEPC)).isEqualTo(uCode + 4);
        assertThat(m.hart().x(S1)).as("the instruction before the trigger ran, the one at it did not").isEqualTo(1);
        assertThat(m.hart().readCsr(MSTATUS) >>> 11 & 3).as("MPP").isZero();
    }

    /**
     * OpenSBI delegates breakpoints to S-mode, so lockstep keeps medeleg[3] writable; then, to keep an S-mode
     * handler from re-entering itself, an S-mode trigger fires only while sstatus.SIE is set.
     */
    @ParameterizedTest(name = "SIE = {0}")
    @ValueSource(booleans = {true, false})
    void aDelegatedTriggerFiresInSModeOnlyWithSie(boolean sie) {
        long sCode = RAM + 0x200, sHandler = RAM + 0x300;
        Program p = prologue(false);
        arm(p, 0, sCode + 4, MCONTROL | S | EXECUTE);
        p.word(addi(T0, ZERO, 1 << 3), csrw(MEDELEG, T0)).word(li(T0, sHandler)).word(csrw(0x105, T0));
        p.word(li(T0, 1L << 11 | (sie ? 2 : 0))).word(csrw(MSTATUS, T0)).word(li(T0, sCode)).word(csrw(MEPC, T0), mret());
        p.at(sCode).word(addi(S1, S1, 1), addi(S1, S1, 1), spin());
        p.at(sHandler).word(spin());
        p.at(HANDLER).word(spin());
        Machine m = boot(p);

        m.run(2_000);

        if (sie) {
            assertThat(m.hart().readCsr(0x142)).as("scause").isEqualTo(3);
            assertThat(m.hart().readCsr(0x141)).as("sepc").isEqualTo(sCode + 4);
            assertThat(m.hart().readCsr(0x143)).as("stval").isEqualTo(sCode + 4);
            assertThat(m.hart().pc()).isEqualTo(sHandler);
            assertThat(m.hart().x(S1)).isEqualTo(1);
        } else {
            assertThat(m.hart().readCsr(0x142)).isZero();
            assertThat(m.hart().x(S1)).isEqualTo(2);
        }
        assertThat(m.hart().readCsr(MCAUSE)).as("nothing went to M-mode").isZero();
    }

    /**
     * A loop run first without triggers (so its blocks are hot and translated) and then with an execute
     * trigger in its middle and a load trigger on the data it reads; the handler skips each trapping
     * instruction. Phase 2 thus adds nothing to s3 or s5, and takes two breakpoints per iteration.
     */
    private static Machine loopGuest(boolean translate, int iterations) {
        Program p = prologue(true);
        long loop = RAM + 0x200;
        long mid = loop + 4;
        p.word(li(S4, DATA)).word(addi(T1, ZERO, 7), sd(T1, S4, 0)).word(li(S2, iterations));
        p.word(addi(S1, ZERO, 0)).word(jal(RA, (int) (loop - p.here())));
        arm(p, 0, mid, MCONTROL | M | EXECUTE);
        arm(p, 1, DATA, MCONTROL | M | LOAD);
        p.word(addi(S1, ZERO, 0), addi(A1, ZERO, 0)).word(jal(RA, (int) (loop - p.here()))).word(spin());
        p.at(loop).word(addi(S1, S1, 1), addi(S3, S3, 1), ld(A1, S4, 0), add(S5, S5, A1), bne(S1, S2, -16),
                jalr(ZERO, RA, 0));
        skippingHandler(p);
        Machine m = boot(p);
        if (translate) m.hart().translateAfter(2); // almost every block translated
        else m.hart().setTranslation(false);
        return m;
    }

    @Test
    void triggersFireInTranslatedCodeExactlyAsInTheInterpreter() {
        int n = 2_000;
        Machine interpreted = loopGuest(false, n);
        Machine translated = loopGuest(true, n);
        interpreted.run(200_000);
        translated.run(200_000);

        for (Machine m : new Machine[] {interpreted, translated}) {
            assertThat(m.hart().x(S3)).as("the execute trigger skipped phase 2's increments").isEqualTo(n);
            assertThat(m.hart().x(S5)).as("the load trigger skipped phase 2's loads").isEqualTo(7L * n);
            assertThat(m.hart().x(S0)).as("breakpoints taken").isEqualTo(2L * n);
        }
        assertThat(translated.hart().pc()).isEqualTo(interpreted.hart().pc());
        assertThat(translated.stateHash()).isEqualTo(interpreted.stateHash());
    }

    @Test
    void triggersAreInTheSnapshotAndARestoreBringsBackTheirState() {
        Machine m = loopGuest(true, 500);
        Machine.Snapshot unarmed = m.snapshot();
        long unarmedHash = m.stateHash();
        m.run(100_000);
        Machine.Snapshot armed = m.snapshot();
        long armedHash = m.stateHash();

        m.restore(unarmed);
        assertThat(m.stateHash()).as("a snapshot without a trigger section restores triggers at reset").isEqualTo(unarmedHash);
        assertThat(m.hart().readCsr(TDATA1)).isEqualTo(DISABLED);
        assertThat(m.hart().readCsr(TCONTROL)).isZero();

        m.restore(armed);
        assertThat(m.stateHash()).isEqualTo(armedHash);
        assertThat(m.hart().readCsr(TSELECT)).isEqualTo(1);
        assertThat(m.hart().readCsr(TDATA1)).isEqualTo(MCONTROL | M | LOAD);
        assertThat(m.hart().readCsr(TDATA2)).isEqualTo(DATA);
        assertThat(m.hart().readCsr(TCONTROL)).as("mte and mpte").isEqualTo(0x88);
    }

    @Test
    void aRunRestoredFromASnapshotTakenWhileArmedEndsAsTheRunItWasTakenFrom() {
        Machine whole = loopGuest(true, 3_000);
        whole.run(200_000);
        Machine first = loopGuest(true, 3_000);
        first.run(40_000); // in phase 2, with both triggers armed
        Machine.Snapshot mid = first.snapshot();
        Machine second = loopGuest(false, 3_000); // cold and interpreted only
        second.restore(mid);
        second.run(200_000);

        assertThat(second.hart().x(S0)).isEqualTo(6_000);
        assertThat(second.stateHash()).isEqualTo(whole.stateHash());
    }

    @Test
    void eachHartHasItsOwnTriggersAndASnapshotKeepsThemApart() {
        // Hart 0 arms trigger 1; hart 1 only spins.
        Program p = new Program(RAM).word(csrr(A0, 0xf14)).word(0); // patched: bnez a0, other
        arm(p, 1, DATA, MCONTROL | M | STORE).word(spin());
        long other = p.here();
        p.word(spin());
        byte[] image = p.bytes();
        int bnez = bne(A0, ZERO, (int) (other - RAM - 4));
        for (int k = 0; k < 4; k++) image[4 + k] = (byte) (bnez >>> (8 * k));
        Machine m = new Machine(SMALL.withHarts(2), InputPort.fixedClock(0), OutputSink.DISCARD);
        m.loadFlat(RAM, image);

        m.run(50_000);
        Machine.Snapshot s = m.snapshot();
        long hash = m.stateHash();
        Machine copy = new Machine(SMALL.withHarts(2), InputPort.fixedClock(0), OutputSink.DISCARD);
        copy.restore(s);

        for (Machine x : new Machine[] {m, copy}) {
            assertThat(x.harts().get(0).readCsr(TDATA1)).isEqualTo(MCONTROL | M | STORE);
            assertThat(x.harts().get(0).readCsr(TSELECT)).isEqualTo(1);
            assertThat(x.harts().get(1).readCsr(TDATA1)).isEqualTo(DISABLED);
            assertThat(x.harts().get(1).readCsr(TSELECT)).isZero();
        }
        assertThat(copy.stateHash()).isEqualTo(hash);
    }

    @Test
    void aResetClearsTheTriggers() {
        // First boot: mark KEPT, arm trigger 1 and ask sifive_test for a reset. Second boot: read the trigger CSRs.
        Program p = new Program(RAM).word(li(S2, KEPT)).word(ld(T1, S2, 0));
        int branchAt = (int) (p.here() - RAM);
        p.word(0); // patched below: bne t1, zero, second
        p.word(addi(T1, ZERO, 1), sd(T1, S2, 0));
        p.word(addi(T0, ZERO, (int) MTE), csrrsReg(TCONTROL, T0));
        arm(p, 1, DATA, MCONTROL | M | STORE);
        p.word(li(T0, 0x100000)).word(li(T1, 0x7777)).word(s(0, T1, T0, 2, 0x23), spin()); // sw: sifive_test reset
        long second = p.here();
        p.word(csrr(A0, TSELECT), csrr(A1, TDATA1), csrr(A2, TDATA2), csrr(S3, TCONTROL));
        p.word(addi(T0, ZERO, 1), csrw(TSELECT, T0), csrr(S4, TDATA1), csrr(S5, TDATA2), spin());
        byte[] image = p.bytes();
        int bne = bne(T1, ZERO, (int) (second - RAM - branchAt));
        for (int k = 0; k < 4; k++) image[branchAt + k] = (byte) (bne >>> (8 * k));
        Machine m = new Machine(SMALL, InputPort.fixedClock(0), OutputSink.DISCARD);
        m.loadFlat(RAM, image);

        m.run(5_000);

        assertThat(m.resets()).isEqualTo(1);
        assertThat(new long[] {m.hart().x(A0), m.hart().x(A1), m.hart().x(A2), m.hart().x(S3), m.hart().x(S4), m.hart().x(S5)})
                .containsExactly(0, DISABLED, 0, 0, DISABLED, 0);
    }
}
