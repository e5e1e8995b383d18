package dev.lockstep.emulator.virtio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.io.InputEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioNetRngTest {
    private static final byte[] MAC = {0x52, 0x54, 0, 0x12, 0x34, 0x56};

    @Test
    void theMacIsInConfigSpace() {
        VirtioTestBench b = new VirtioTestBench(new VirtioNet(MAC), true);
        assertThat(b.reg(0x08)).isEqualTo(1);
        for (int i = 0; i < 6; i++) assertThat((byte) b.bus.read(b.base + 0x100 + i, 1)).isEqualTo(MAC[i]);
    }

    @Test
    void aTransmittedFrameLeavesWithoutItsHeader() {
        VirtioTestBench b = new VirtioTestBench(new VirtioNet(MAC), false);
        b.init(2);
        long buf = VirtioTestBench.DATA;
        byte[] frame = "0123456789abcdef-frame".getBytes();
        b.bus.writeBytes(buf + 12, frame, 0, frame.length);
        b.offer(1, new long[] {buf, 12 + frame.length, 0});
        b.notifyQueue(1);
        assertThat(b.netOut).hasSize(1);
        assertThat(b.netOut.get(0)).isEqualTo(frame);
        assertThat(b.usedIdx(1)).isEqualTo(1);
    }

    @Test
    void aReceivedFrameWaitsForABufferThenLandsBehindALegacyHeader() {
        VirtioTestBench b = new VirtioTestBench(new VirtioNet(MAC), true);
        b.init(2);
        byte[] frame = "hello from the wire".getBytes();
        b.machine.deliver(new InputEvent.NetRx(frame));
        assertThat(((VirtioNet) b.slot.device()).backlog()).isEqualTo(1);

        long buf = VirtioTestBench.DATA;
        b.offer(0, new long[] {buf, 2048, 1});
        b.notifyQueue(0);
        assertThat(b.usedIdx(0)).isEqualTo(1);
        assertThat(b.usedLen(0, 0)).isEqualTo(10 + frame.length);
        assertThat(b.ram(buf + 10, frame.length)).isEqualTo(frame);
    }

    @Test
    void rngBuffersAreFilledByTheDeliveredBytesInOrder() {
        List<Integer> asked = new ArrayList<>();
        VirtioTestBench b = new VirtioTestBench(new VirtioRng(asked::add), false);
        b.init(1);
        long buf = VirtioTestBench.DATA;
        b.offer(0, new long[] {buf, 8, 1});
        b.offer(0, new long[] {buf + 64, 8, 1});
        b.notifyQueue(0);
        assertThat(b.slot.lastError()).isEmpty();
        assertThat(asked).containsExactly(16);
        assertThat(b.usedIdx(0)).isZero();

        byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        b.machine.deliver(new InputEvent.Rng(bytes));
        assertThat(b.usedIdx(0)).isEqualTo(2);
        assertThat(b.usedLen(0, 0)).isEqualTo(8);
        assertThat(b.usedLen(0, 1)).isEqualTo(3);
        assertThat(b.ram(buf + 64, 3)).containsExactly(9, 10, 11);
    }
}
