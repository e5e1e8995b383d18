package dev.lockstep.emulator.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.memory.Bus;
import org.junit.jupiter.api.Test;

class PlicTest {
    private static final long PLIC = 0xc000000L;
    private static final long MEIP = 1L << 11, SEIP = 1L << 9;

    private final Machine m = new Machine(MachineConfig.DEFAULT, InputPort.fixedClock(0), OutputSink.DISCARD);
    private final Bus bus = m.bus();
    private final Plic plic = m.plic();

    private long mip() { return m.hart().readCsr(0x344); }

    private void priority(int src, int p) { bus.write(PLIC + 4L * src, 4, p); }

    private void enable(int ctx, long bits) { bus.write(PLIC + 0x2000 + 0x80L * ctx, 4, bits); }

    private long claim(int ctx) { return bus.read(PLIC + 0x200004 + 0x1000L * ctx, 4); }

    private void complete(int ctx, int src) { bus.write(PLIC + 0x200004 + 0x1000L * ctx, 4, src); }

    @Test
    void anEnabledSourceAbovePriorityZeroRaisesMeip() {
        priority(5, 1);
        plic.setLevel(5, true);
        assertThat(mip() & MEIP).isZero();
        enable(0, 1 << 5);
        assertThat(mip() & MEIP).isNotZero();
        assertThat(bus.read(PLIC + 0x1000, 4) & (1 << 5)).isNotZero();
    }

    @Test
    void theSContextDrivesSeip() {
        priority(3, 2);
        enable(1, 1 << 3);
        plic.setLevel(3, true);
        assertThat(mip() & SEIP).isNotZero();
        assertThat(mip() & MEIP).isZero();
    }

    @Test
    void claimTakesTheHighestPriorityAndCompleteRearmsALineStillHigh() {
        priority(4, 1);
        priority(6, 3);
        enable(0, (1 << 4) | (1 << 6));
        plic.setLevel(4, true);
        plic.setLevel(6, true);
        assertThat(claim(0)).isEqualTo(6);
        assertThat(claim(0)).isEqualTo(4);
        assertThat(claim(0)).isZero();
        assertThat(mip() & MEIP).isZero();
        plic.setLevel(4, false);
        complete(0, 6);
        assertThat(mip() & MEIP).isNotZero();
        assertThat(claim(0)).isEqualTo(6);
        complete(0, 4);
        assertThat(claim(0)).isZero();
    }

    @Test
    void theThresholdMasksPrioritiesAtOrBelowIt() {
        priority(7, 2);
        enable(0, 1 << 7);
        bus.write(PLIC + 0x200000, 4, 2);
        plic.setLevel(7, true);
        assertThat(mip() & MEIP).isZero();
        assertThat(claim(0)).isZero();
        bus.write(PLIC + 0x200000, 4, 1);
        assertThat(mip() & MEIP).isNotZero();
    }

    @Test
    void theUartInterruptsThroughSource10() {
        priority(10, 1);
        enable(0, 1 << 10);
        bus.write(Machine.UART_BASE + 1, 1, 1); // IER: received data available
        m.deliver(new dev.lockstep.emulator.io.InputEvent.ConsoleInput(new byte[] {'x'}));
        assertThat(claim(0)).isEqualTo(10);
    }

    @Test
    void stateSurvivesSnapshotAndRestore() {
        priority(9, 5);
        enable(0, 1 << 9);
        plic.setLevel(9, true);
        Machine.Snapshot s = m.snapshot();
        long hash = m.stateHash();
        assertThat(claim(0)).isEqualTo(9);
        m.restore(s);
        assertThat(m.stateHash()).isEqualTo(hash);
        assertThat(mip() & MEIP).isNotZero();
        assertThat(claim(0)).isEqualTo(9);
    }
}
