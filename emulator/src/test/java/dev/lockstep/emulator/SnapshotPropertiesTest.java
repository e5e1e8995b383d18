// Snapshot and restore are exact: a restored machine, new or the same one, continues exactly as the original.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.io.InputPort;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * Properties over random snapshot points N and end points M (N < M) on racy, whose timer interrupts make
 * it sensitive to any state a snapshot forgets (mtimecmp, the clock base, pending bits, the reservation).
 * racy ends after ~8.3e6 instructions, so some tries run through its final report and halt. 16 MiB of RAM
 * keeps each snapshot cheap.
 */
class SnapshotPropertiesTest {
    private static final MachineConfig SMALL = MachineConfig.DEFAULT.withRam(16 << 20);
    private static final String GUEST = "racy";

    @Property(tries = 20)
    void aNewMachineRestoredAtNRunsToMExactlyAsTheOriginal(
            @ForAll @LongRange(min = 0, max = 7_000_000) long n,
            @ForAll @LongRange(min = 1, max = 3_000_000) long length) {
        long m = n + length;
        TestGuests.Console originalConsole = new TestGuests.Console();
        Machine original = TestGuests.machine(GUEST, SMALL, TestGuests.FIXED_RTC, originalConsole);
        TestGuests.runTo(original, n);
        Machine.Snapshot snapshot = original.snapshot();
        int printedBeforeN = originalConsole.bytes().length;
        TestGuests.runTo(original, m);

        TestGuests.Console restoredConsole = new TestGuests.Console();
        Machine restored = new Machine(SMALL, InputPort.fixedClock(TestGuests.FIXED_RTC), restoredConsole);
        restored.restore(snapshot);
        assertThat(restored.stateHash()).as("hash right after restore").isEqualTo(hashAt(snapshot));
        TestGuests.runTo(restored, m);

        assertThat(restored.instret()).isEqualTo(original.instret());
        assertThat(restored.stateHash()).isEqualTo(original.stateHash());
        assertThat(restoredConsole.text()).isEqualTo(originalConsole.text().substring(printedBeforeN));
    }

    @Property(tries = 10)
    void restoringTheSameMachineAfterRunningPastReplaysTheSameFuture(
            @ForAll @LongRange(min = 0, max = 7_000_000) long n,
            @ForAll @LongRange(min = 1, max = 3_000_000) long length) {
        long m = n + length;
        TestGuests.Console console = new TestGuests.Console();
        Machine machine = TestGuests.machine(GUEST, SMALL, TestGuests.FIXED_RTC, console);
        TestGuests.runTo(machine, n);
        long hashAtN = machine.stateHash();
        Machine.Snapshot snapshot = machine.snapshot();
        int printedBeforeN = console.bytes().length;
        TestGuests.runTo(machine, m);
        long hashAtM = machine.stateHash();
        String firstFuture = console.text().substring(printedBeforeN);

        machine.restore(snapshot);
        assertThat(machine.stateHash()).as("hash after travelling back to N").isEqualTo(hashAtN);
        int printedBeforeRerun = console.bytes().length;
        TestGuests.runTo(machine, m);

        assertThat(machine.stateHash()).isEqualTo(hashAtM);
        assertThat(console.text().substring(printedBeforeRerun)).isEqualTo(firstFuture);
    }

    /** The state hash of a snapshot, computed on a machine of its own. */
    private static long hashAt(Machine.Snapshot s) {
        Machine m = new Machine(SMALL, InputPort.fixedClock(TestGuests.FIXED_RTC), (k, i, d, o, l) -> { });
        m.restore(s);
        return m.stateHash();
    }
}
