// A machine with one virtio device and a driver written in Java: rings in RAM, registers poked on the bus.
package dev.lockstep.emulator.virtio;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.memory.Bus;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Plays the guest driver for device tests, so no guest program is needed to feed the device garbage. */
final class VirtioTestBench {
    static final long DESC = 0x80100000L, AVAIL = 0x80101000L, USED = 0x80102000L, DATA = 0x80200000L;
    static final int QSIZE = 16;

    final Machine machine;
    final Bus bus;
    final VirtioMmio slot;
    final long base;
    final List<byte[]> netOut = new ArrayList<>();
    final ByteArrayOutputStream diskOut = new ByteArrayOutputStream();
    private final long[] descBase = new long[2];
    private final int[] qsize = new int[2];
    private final int[] availIdx = new int[2];
    private int nextDesc;

    VirtioTestBench(VirtioDevice device, boolean legacy) {
        machine = new Machine(MachineConfig.DEFAULT.withVirtioLegacy(legacy), InputPort.fixedClock(0), (k, i, d, o, l) -> {
            if (k == OutputKind.NET) netOut.add(java.util.Arrays.copyOfRange(d, o, o + l));
            if (k == OutputKind.DISK) diskOut.write(d, o, l);
        });
        bus = machine.bus();
        slot = machine.attach(device);
        base = VirtioMmio.BASE + VirtioMmio.STRIDE * slot.slot();
    }

    long reg(int off) { return bus.read(base + off, 4) & 0xffffffffL; }

    void reg(int off, long v) { bus.write(base + off, 4, v); }

    /** Driver initialisation up to DRIVER_OK, with queue {@code q} at DESC/AVAIL/USED (+0x10000·q). */
    void init(int queues) {
        reg(0x70, 0);
        reg(0x70, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER);
        boolean legacy = slot.legacy();
        reg(0x24, 0);
        reg(0x20, reg(0x10) & ~0L);
        if (!legacy) {
            reg(0x24, 1);
            reg(0x14, 1);
            reg(0x20, reg(0x10));
            reg(0x70, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER | VirtioMmio.STATUS_FEATURES_OK);
        } else {
            reg(0x28, 4096);
        }
        for (int q = 0; q < queues; q++) {
            reg(0x30, q);
            qsize[q] = (int) Math.min(QSIZE, reg(0x34));
            reg(0x38, qsize[q]);
            long d = DESC + 0x10000L * q;
            descBase[q] = d;
            if (legacy) {
                reg(0x3c, 4096);
                reg(0x40, d / 4096);
            } else {
                reg(0x80, d);
                reg(0x84, 0);
                reg(0x90, AVAIL + 0x10000L * q);
                reg(0xa0, USED + 0x10000L * q);
                reg(0x44, 1);
            }
        }
        reg(0x70, reg(0x70) | VirtioMmio.STATUS_DRIVER_OK);
    }

    long availAddr(int q) { return slot.legacy() ? descBase[q] + 16L * qsize[q] : AVAIL + 0x10000L * q; }

    long usedAddr(int q) {
        return slot.legacy() ? (descBase[q] + 16L * qsize[q] + 6 + 2L * qsize[q] + 4095) / 4096 * 4096 : USED + 0x10000L * q;
    }

    /** Writes descriptor {@code i} of queue {@code q}. */
    void desc(int q, int i, long addr, int len, int flags, int next) {
        long d = descBase[q] + 16L * i;
        bus.write(d, 8, addr);
        bus.write(d + 8, 4, len);
        bus.write(d + 12, 2, flags);
        bus.write(d + 14, 2, next);
    }

    /** Builds a chain of buffers {addr, len, writable?} in fresh descriptors, makes it available, returns its head. */
    int offer(int q, long[]... bufs) {
        int head = nextDesc;
        for (int i = 0; i < bufs.length; i++) {
            int idx = nextDesc++;
            desc(q, idx, bufs[i][0], (int) bufs[i][1], (bufs[i][2] != 0 ? 2 : 0) | (i + 1 < bufs.length ? 1 : 0), idx + 1);
        }
        publish(q, head);
        return head;
    }

    void publish(int q, int head) {
        long a = availAddr(q);
        bus.write(a + 4 + 2L * (availIdx[q] % qsize[q]), 2, head);
        availIdx[q]++;
        bus.write(a + 2, 2, availIdx[q]);
    }

    void notifyQueue(int q) { reg(0x50, q); }

    int usedIdx(int q) { return (int) bus.read(usedAddr(q) + 2, 2) & 0xffff; }

    long usedLen(int q, int n) { return bus.read(usedAddr(q) + 4 + 8L * (n % qsize[q]) + 4, 4) & 0xffffffffL; }

    long usedId(int q, int n) { return bus.read(usedAddr(q) + 4 + 8L * n, 4) & 0xffffffffL; }

    byte[] ram(long pa, int len) {
        byte[] b = new byte[len];
        bus.readBytes(pa, b, 0, len);
        return b;
    }

    /** Routes this slot's PLIC source to hart 0's M context. */
    void enableInterrupt() {
        int src = 1 + slot.slot();
        bus.write(0xc000000L + 4L * src, 4, 1);
        bus.write(0xc002000L, 4, 1L << src);
    }

    boolean meip() { return (machine.hart().readCsr(0x344) & (1L << 11)) != 0; }
}
