package dev.lockstep.emulator.virtio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.io.InputEvent;
import org.junit.jupiter.api.Test;

/** A driver feeding the device garbage gets DEVICE_NEEDS_RESET and a config interrupt; the host carries on. */
class VirtqueueGarbageTest {
    private static VirtioTestBench bench() {
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(new VirtioBlkTest.MemoryDisk(8), ""), false);
        b.init(1);
        b.enableInterrupt();
        return b;
    }

    private static void assertNeedsReset(VirtioTestBench b, String why) {
        assertThat(b.reg(0x70) & VirtioMmio.STATUS_NEEDS_RESET).isNotZero();
        assertThat(b.reg(0x60) & VirtioMmio.INT_CONFIG).isNotZero();
        assertThat(b.meip()).isTrue();
        assertThat(b.slot.lastError()).contains(why);
    }

    @Test
    void aDescriptorOutsideRamNeedsReset() {
        VirtioTestBench b = bench();
        b.offer(0, new long[] {0x1000_0000L, 16, 0}, new long[] {VirtioTestBench.DATA, 1, 1});
        b.notifyQueue(0);
        assertNeedsReset(b, "outside RAM");
    }

    @Test
    void aDescriptorLoopNeedsReset() {
        VirtioTestBench b = bench();
        b.desc(0, 0, VirtioTestBench.DATA, 16, 1, 1);
        b.desc(0, 1, VirtioTestBench.DATA, 16, 1, 0);
        b.publish(0, 0);
        b.notifyQueue(0);
        assertNeedsReset(b, "loops");
    }

    @Test
    void aLinkBeyondTheQueueNeedsReset() {
        VirtioTestBench b = bench();
        b.desc(0, 0, VirtioTestBench.DATA, 16, 1, 500);
        b.publish(0, 0);
        b.notifyQueue(0);
        assertNeedsReset(b, "beyond");
    }

    @Test
    void anOversizedChainNeedsReset() {
        VirtioTestBench b = bench();
        for (int i = 0; i < VirtioTestBench.QSIZE; i++) {
            b.desc(0, i, VirtioTestBench.DATA, 64 << 20, 1, i + 1);
        }
        b.desc(0, VirtioTestBench.QSIZE - 1, VirtioTestBench.DATA, 64 << 20, 0, 0);
        b.publish(0, 0);
        b.notifyQueue(0);
        assertNeedsReset(b, "larger than RAM");
    }

    @Test
    void nestedIndirectTablesNeedReset() {
        VirtioTestBench b = bench();
        long table = VirtioTestBench.DATA + 0x2000;
        b.bus.write(table, 8, table);
        b.bus.write(table + 8, 4, 16);
        b.bus.write(table + 12, 2, 4);
        b.desc(0, 0, table, 16, 4, 0);
        b.publish(0, 0);
        b.notifyQueue(0);
        assertNeedsReset(b, "indirect");
    }

    @Test
    void anIndirectChainIsFollowed() {
        VirtioBlkTest.MemoryDisk disk = new VirtioBlkTest.MemoryDisk(8);
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(disk, ""), true);
        b.init(1);
        long hdr = VirtioTestBench.DATA, buf = hdr + 0x1000, status = hdr + 0x100, table = hdr + 0x3000;
        b.bus.write(hdr, 4, VirtioBlk.T_IN);
        b.bus.write(hdr + 8, 8, 1);
        long[][] d = {{hdr, 16, 1}, {buf, 512, 3}, {status, 1, 2}};
        for (int i = 0; i < 3; i++) {
            b.bus.write(table + 16L * i, 8, d[i][0]);
            b.bus.write(table + 16L * i + 8, 4, d[i][1]);
            b.bus.write(table + 16L * i + 12, 2, d[i][2]);
            b.bus.write(table + 16L * i + 14, 2, i + 1);
        }
        b.desc(0, 0, table, 48, 4, 0);
        b.publish(0, 0);
        b.notifyQueue(0);
        assertThat(disk.requests).containsExactly("read 1 512 512");
        b.machine.deliver(new InputEvent.DiskDone(1, VirtioBlk.S_OK, null));
        assertThat(b.usedLen(0, 0)).isEqualTo(513);
    }

    @Test
    void aRequestWithoutAStatusByteNeedsReset() {
        VirtioTestBench b = bench();
        b.offer(0, new long[] {VirtioTestBench.DATA, 16, 0});
        b.notifyQueue(0);
        assertNeedsReset(b, "status byte");
    }

    @Test
    void anAvailIndexRunningAheadOfTheQueueNeedsReset() {
        VirtioTestBench b = bench();
        b.bus.write(b.availAddr(0) + 2, 2, 1000);
        b.notifyQueue(0);
        assertNeedsReset(b, "avail index");
    }

    @Test
    void aResetClearsTheErrorAndTheDeviceWorksAgain() {
        VirtioTestBench b = bench();
        b.offer(0, new long[] {0x1000_0000L, 16, 0});
        b.notifyQueue(0);
        b.reg(0x70, 0);
        assertThat(b.reg(0x70)).isZero();
        assertThat(b.slot.working()).isTrue();
    }

    @Test
    void emptySlotsShowMagicVersionAndVendorWithDeviceIdZero() {
        VirtioTestBench b = bench();
        long empty = VirtioMmio.BASE;
        assertThat(b.bus.read(empty, 4)).isEqualTo(0x74726976);
        assertThat(b.bus.read(empty + 4, 4)).isEqualTo(2);
        assertThat(b.bus.read(empty + 8, 4)).isZero();
        assertThat(b.bus.read(empty + 0xc, 4)).isEqualTo(0x554d4551);
    }

    @Test
    void aModernDriverRefusingVersion1DoesNotGetFeaturesOk() {
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(new VirtioBlkTest.MemoryDisk(8), ""), false);
        b.reg(0x70, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER);
        b.reg(0x24, 1);
        b.reg(0x20, 0);
        b.reg(0x70, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER | VirtioMmio.STATUS_FEATURES_OK);
        assertThat(b.reg(0x70) & VirtioMmio.STATUS_FEATURES_OK).isZero();
    }
}
