// Guest memory as the debugger sees it: virtual addresses through a hart's page tables, without side effects.
package dev.lockstep.shell.debug;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.cpu.Hart;
import dev.lockstep.emulator.memory.Bus;
import java.util.function.Supplier;

/**
 * Reads (and, for gdb's M packet, writes) guest memory at virtual addresses translated as a data access of
 * the hart's current privilege would be, without A/D updates or TLB fills. Device registers are never
 * read: a read has side effects there (a UART FIFO pops), so they show as unreadable.
 */
public final class Memory {
    private final Machine machine;
    private final Supplier<Hart> hart;

    /** Memory as the hart whose turn it is sees it. */
    public Memory(Machine machine) { this(machine, machine::hart); }

    /** Memory as {@code hart} sees it (each hart has its own satp and privilege). */
    public Memory(Machine machine, Supplier<Hart> hart) {
        this.machine = machine;
        this.hart = hart;
    }

    /** The physical address of {@code va} now, or -1 if it is not mapped. */
    public long translate(long va) { return hart.get().debugTranslate(va); }

    /** {@code len} bytes at virtual {@code va}, or null if any of them cannot be read. */
    public byte[] read(long va, int len) {
        byte[] out = new byte[len];
        int done = 0;
        while (done < len) {
            long a = va + done;
            int chunk = (int) Math.min(len - done, Bus.PAGE_SIZE - (a & (Bus.PAGE_SIZE - 1)));
            long pa = translate(a);
            if (pa == -1 || !readPhysical(pa, out, done, chunk)) return null;
            done += chunk;
        }
        return out;
    }

    /** Reads physical memory: RAM or the boot ROM, never a device. */
    public boolean readPhysical(long pa, byte[] dst, int off, int len) {
        Bus bus = machine.bus();
        if (bus.readBytes(pa, dst, off, len)) return true;
        if (bus.isMmio(pa) || bus.isMmio(pa + len - 1)) return false;
        try {
            for (int i = 0; i < len; i++) dst[off + i] = (byte) bus.read(pa + i, 1);
            return true;
        } catch (Bus.BusFault e) {
            return false;
        }
    }

    /** The little-endian value of {@code size} bytes at {@code va}; throws if unreadable. */
    public long readLong(long va, int size) {
        byte[] b = read(va, size);
        if (b == null) throw new DebugException(String.format("cannot read %d bytes at 0x%x: not mapped or not memory", size, va));
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    /** Writes RAM at virtual {@code va}; false if any byte is not RAM. */
    public boolean write(long va, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long pa = translate(va + i);
            if (pa == -1 || !machine.bus().isRam(pa, 1)) return false;
        }
        for (int i = 0; i < data.length; i++) machine.bus().writeBytes(translate(va + i), data, i, 1);
        return true;
    }
}
