// Debugger read and access watchpoints on the machine: where they stop, what they see, interpreted and translated alike.
package dev.lockstep.emulator;

import static dev.lockstep.emulator.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A guest that loads a doubleword 100 times in a loop (and one on the next page, unwatched), then adds to it
 * with an AMO and stores next to it: a read watch on it must stop before each of the 101 reads, and nowhere else.
 */
class ReadWatchTest {
    private static final long RAM = Machine.RAM_BASE;
    private static final long DATA = RAM + 0x80000;
    private static final long LOAD = RAM + 16, AMO = RAM + 36;
    private static final int T4 = 29, S2 = 18;
    private static final int LOOPS = 100;
    private static final MachineConfig SMALL = MachineConfig.DEFAULT.withRam(1 << 20);

    private static Machine boot(boolean translated) {
        Program p = new Program(RAM).word(
                auipc(A0, 0x80),                 // a0 = DATA
                lui(T4, 1), add(A1, A0, T4),     // a1 = DATA + 4096: the next page
                addi(T1, ZERO, LOOPS),
                ld(T0, A0, 0),                   // LOAD: the watched read
                ld(S2, A1, 0),                   // a read of another page
                add(S0, S0, T0),
                addi(T1, T1, -1),
                bne(T1, ZERO, -16),
                r(0, T1, A0, 3, T2, 0x2f),       // AMO: amoadd.d t2, t1, (a0)
                sd(S0, A0, 8),                   // next to the watched doubleword
                spin());
        Machine m = new Machine(SMALL, InputPort.fixedClock(0), OutputSink.DISCARD);
        m.loadFlat(p.base(), p.bytes());
        m.bus().write(DATA, 8, 7);
        if (translated) m.translateAfter(2);
        return m;
    }

    /** Runs to instruction 2,000, collecting every watch hit; at each, checks where the machine stands. */
    private static List<Machine.WatchHit> hits(Machine m) {
        List<Machine.WatchHit> hits = new ArrayList<>();
        while (m.run(2_000) == Machine.Status.WATCHPOINT) {
            Machine.WatchHit h = m.watchHit();
            hits.add(h);
            long position = h.read() ? h.instret() - 1 : h.instret();
            assertThat(m.instret()).as("a read stops before its instruction, a write after it").isEqualTo(position);
            if (h.read()) assertThat(m.hart().pc()).isEqualTo(h.pc());
        }
        assertThat(m.instret()).isEqualTo(2_000);
        return hits;
    }

    private static List<Long> pcs(List<Machine.WatchHit> hits) { return hits.stream().map(Machine.WatchHit::pc).toList(); }

    @Test
    void aReadWatchStopsBeforeEachReadAndTheNextRunGoesThroughIt() {
        Machine m = boot(false);
        m.addWatchpoint(DATA, 8, Machine.WatchKind.READ);

        assertThat(m.run(2_000)).isEqualTo(Machine.Status.WATCHPOINT);
        assertThat(m.hart().x(T0)).as("stopped before the load: nothing read yet").isNotEqualTo(7);
        assertThat(m.hart().pc()).isEqualTo(LOAD);
        assertThat(m.run(m.instret() + 1)).isEqualTo(Machine.Status.LIMIT);
        assertThat(m.hart().x(T0)).as("the next run did the load").isEqualTo(7);

        List<Machine.WatchHit> rest = hits(m);
        assertThat(rest).hasSize(LOOPS).allMatch(Machine.WatchHit::read).allMatch(h -> h.pa() == DATA && h.size() == 8);
        assertThat(pcs(rest).subList(0, LOOPS - 1)).containsOnly(LOAD);
        assertThat(rest.get(LOOPS - 1).pc()).as("the read of the AMO").isEqualTo(AMO);
        assertThat(m.hart().x(S0)).as("the guest computed what it computes unwatched").isEqualTo(7 * LOOPS);
        assertThat(m.bus().read(DATA, 8)).isEqualTo(7);
    }

    @Test
    void translatedBlocksStopAtTheSameReadsAsTheInterpreter() {
        Machine interpreted = boot(false), translated = boot(true);
        interpreted.addWatchpoint(DATA, 8, Machine.WatchKind.READ);
        translated.addWatchpoint(DATA, 8, Machine.WatchKind.READ);

        List<Machine.WatchHit> a = hits(interpreted), b = hits(translated);

        assertThat(a).hasSize(LOOPS + 1);
        assertThat(b).isEqualTo(a);
        assertThat(translated.hart().x(S0)).isEqualTo(interpreted.hart().x(S0));
    }

    @Test
    void anAccessWatchStopsBeforeAnAmosReadAndAfterItsWrite() {
        Machine m = boot(true);
        m.addWatchpoint(DATA, 8, Machine.WatchKind.ACCESS);

        List<Machine.WatchHit> hits = hits(m);

        assertThat(hits).hasSize(LOOPS + 2);
        Machine.WatchHit read = hits.get(LOOPS), write = hits.get(LOOPS + 1);
        assertThat(read.read()).isTrue();
        assertThat(write.read()).isFalse();
        assertThat(write.pc()).isEqualTo(AMO).isEqualTo(read.pc());
        assertThat(write.instret()).as("one instruction, read then written").isEqualTo(read.instret());
    }

    @Test
    void aReadWatchIgnoresWritesAndAWriteWatchIgnoresReads() {
        Machine reads = boot(true), writes = boot(true);
        reads.addWatchpoint(DATA + 8, 8, Machine.WatchKind.READ);
        writes.addWatchpoint(DATA, 8, Machine.WatchKind.WRITE);

        assertThat(hits(reads)).as("only the sd touches DATA+8").isEmpty();
        List<Machine.WatchHit> w = hits(writes);
        assertThat(w).hasSize(1);
        assertThat(w.get(0).pc()).isEqualTo(AMO);
        assertThat(w.get(0).read()).isFalse();
    }

    @Test
    void aRestoredMachineStopsAtTheSameReadAgainAndClearedWatchesStopNothing() {
        Machine m = boot(false);
        m.addWatchpoint(DATA, 8, Machine.WatchKind.READ);
        Machine.Snapshot start = m.snapshot();
        assertThat(m.run(2_000)).isEqualTo(Machine.Status.WATCHPOINT);
        long first = m.watchHit().instret();

        m.restore(start);
        assertThat(m.run(2_000)).isEqualTo(Machine.Status.WATCHPOINT);
        assertThat(m.watchHit().instret()).isEqualTo(first);

        m.clearWatchpoints();
        assertThat(m.run(2_000)).isEqualTo(Machine.Status.LIMIT);
        assertThat(m.hart().x(S0)).isEqualTo(7 * LOOPS);
    }

    /**
     * A watch is the debugger's, not the guest's: with one armed, a guest that pages (vmtest: Sv39, its TLB
     * filled and flushed, the TLB being machine state) reaches the same state hashes as without, so a
     * replay under a watch still matches its recording's hashes.
     */
    @Test
    void aWatchLeavesTheMachineStateAsItWouldBe() {
        MachineConfig config = MachineConfig.DEFAULT.withRam(64 << 20);
        Machine plain = TestGuests.machine("vmtest", config, TestGuests.FIXED_RTC, new TestGuests.Console());
        Machine watched = TestGuests.machine("vmtest", config, TestGuests.FIXED_RTC, new TestGuests.Console());
        long nobodyReads = Machine.RAM_BASE + (64 << 20) - 4096;
        watched.addWatchpoint(nobodyReads, 8, Machine.WatchKind.ACCESS);

        for (long at = 50_000; at <= 2_000_000 && !plain.halted(); at += 50_000) {
            TestGuests.runTo(plain, at);
            assertThat(TestGuests.runTo(watched, at)).isNotEqualTo(Machine.Status.WATCHPOINT);
            assertThat(watched.stateHash()).as("at %d", at).isEqualTo(plain.stateHash());
        }
        assertThat(plain.hart().readCsr(0x180)).as("vmtest turned paging on").isNotZero();
    }
}
