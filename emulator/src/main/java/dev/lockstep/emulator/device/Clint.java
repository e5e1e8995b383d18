// The CLINT (SiFive core-local interruptor): msip, mtimecmp and mtime at the QEMU virt offsets.
package dev.lockstep.emulator.device;

import dev.lockstep.emulator.cpu.GuestClock;
import dev.lockstep.emulator.cpu.Hart;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * msip at +4·hart, mtimecmp at +0x4000 + 8·hart, mtime at +0xbff8. mtime is guest time (GuestClock);
 * mtimecmp lives in the hart, which precomputes when its timer fires. 32-bit halves are accessible.
 * Setting another hart's msip (an IPI) is reported to the board, which lets that hart have its turn.
 */
public final class Clint implements Device {
    private static final long MSIP = 0, MTIMECMP = 0x4000, MTIME = 0xbff8;
    private static final long MIP_MSIP = 1L << 3;
    private final List<Hart> harts;
    private final GuestClock clock;
    private final boolean[] msip;
    private final LongSupplier instret;
    private final IntConsumer ipi;

    /**
     * @param instret the machine's instruction number now (the running hart's)
     * @param ipi     told the hart whose msip was set
     */
    public Clint(List<Hart> harts, GuestClock clock, LongSupplier instret, IntConsumer ipi) {
        this.harts = harts;
        this.clock = clock;
        this.instret = instret;
        this.ipi = ipi;
        this.msip = new boolean[harts.size()];
    }

    @Override public String name() { return "clint"; }
    @Override public long size() { return 0x10000; }

    private long now() { return clock.ticks(instret.getAsLong()); }

    @Override
    public long read(long off, int size) {
        if (off >= MSIP && off < MSIP + 4L * harts.size()) return msip[(int) (off / 4)] ? 1 : 0;
        if (off >= MTIMECMP && off < MTIMECMP + 8L * harts.size()) {
            long v = harts.get((int) ((off - MTIMECMP) / 8)).mtimecmp();
            return slice(v, off & 7, size);
        }
        if (off >= MTIME && off < MTIME + 8) return slice(now(), off - MTIME, size);
        return 0;
    }

    private static long slice(long v, long byteOff, int size) {
        long s = v >>> (8 * byteOff);
        return size == 8 ? s : s & ((1L << (8 * size)) - 1);
    }

    private static long merge(long old, long byteOff, int size, long v) {
        if (size == 8) return v;
        long mask = ((1L << (8 * size)) - 1) << (8 * byteOff);
        return (old & ~mask) | ((v << (8 * byteOff)) & mask);
    }

    @Override
    public void write(long off, int size, long value) {
        if (off >= MSIP && off < MSIP + 4L * harts.size()) {
            int h = (int) (off / 4);
            msip[h] = (value & 1) != 0;
            harts.get(h).setPending(MIP_MSIP, msip[h]);
            if (msip[h]) ipi.accept(h);
        } else if (off >= MTIMECMP && off < MTIMECMP + 8L * harts.size()) {
            Hart h = harts.get((int) ((off - MTIMECMP) / 8));
            h.setMtimecmp(merge(h.mtimecmp(), off & 7, size, value));
        } else if (off >= MTIME && off < MTIME + 8) {
            clock.set(instret.getAsLong(), merge(now(), off - MTIME, size, value));
            for (Hart h : harts) h.updateTimers();
        }
    }

    @Override
    public void save(StateWriter out) {
        for (boolean b : msip) out.bool(b);
    }

    @Override
    public void restore(StateReader in) {
        for (int i = 0; i < msip.length; i++) msip[i] = in.bool();
    }
}
