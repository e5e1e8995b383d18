// The physical address space: RAM, the boot ROM and the memory-mapped devices of the board.
package dev.lockstep.emulator.memory;

import dev.lockstep.emulator.device.Device;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Physical memory. RAM is one little-endian byte array read through VarHandles; the hart inlines the
 * RAM fast path and comes here only for the rest. Per 4 KiB page the bus keeps a write stamp (for
 * dirty-page hashing and checkpoint deltas) and, per 64-byte chunk, whether decoded code or a
 * watchpoint lives there: stores to such chunks take {@link #afterRamStore}, which invalidates code
 * and reports watch hits, so self-modifying code behaves the same with a warm or a cold cache.
 */
public final class Bus {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    public static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    public static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Raised for an access no RAM, ROM or device answers; the hart turns it into an access fault. */
    public static final class BusFault extends RuntimeException {
        BusFault() { super(null, null, false, false); }
    }

    public static final BusFault FAULT = new BusFault();

    /** Receives stores that hit a watched chunk (tohost, debugger watchpoints). */
    public interface WatchListener {
        /** Returns true if the machine should stop at the end of the current instruction. */
        boolean onWatchedWrite(long pa, int size);
    }

    private record Mapping(long base, long end, Device device) {}

    public final long ramBase;
    public final long ramSize;
    private final byte[] ram;
    private final long romBase;
    private final byte[] rom;
    private final List<Mapping> mappings = new ArrayList<>();
    private Mapping[] map = new Mapping[0];

    /** Per page: the write epoch of the last store (see {@link #syncDirty}). */
    private final int[] writeStamp;
    private int epoch = 1;
    /** Per page: a bit per 64-byte chunk that holds decoded code, and one per chunk that is watched. */
    private final long[] codeChunks, watchChunks, slowChunks;
    /** Per page: bumped whenever code in the page is overwritten; cached blocks compare it. */
    private final int[] codeGen;
    private WatchListener watchListener;

    public Bus(long ramBase, long ramSize, long romBase, int romSize) {
        if (ramSize <= 0 || ramSize > Integer.MAX_VALUE - 8 || ramSize % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB below 2 GiB, not " + ramSize);
        }
        this.ramBase = ramBase;
        this.ramSize = ramSize;
        this.ram = new byte[(int) ramSize];
        this.romBase = romBase;
        this.rom = new byte[romSize];
        int pages = (int) (ramSize >>> PAGE_SHIFT);
        writeStamp = new int[pages];
        codeChunks = new long[pages];
        watchChunks = new long[pages];
        slowChunks = new long[pages];
        codeGen = new int[pages];
    }

    public void map(long base, Device device) {
        mappings.add(new Mapping(base, base + device.size(), device));
        map = mappings.toArray(new Mapping[0]);
    }

    public List<Device> devices() { return mappings.stream().map(Mapping::device).toList(); }

    public long baseOf(Device d) {
        for (Mapping m : map) if (m.device == d) return m.base;
        throw new IllegalArgumentException(d.name() + " is not mapped");
    }

    public void setWatchListener(WatchListener l) { this.watchListener = l; }

    // ---- what the hart's inlined fast path needs ----
    public byte[] ram() { return ram; }
    public int[] writeStamps() { return writeStamp; }
    public long[] slowChunks() { return slowChunks; }
    public int epoch() { return epoch; }
    public int[] codeGen() { return codeGen; }

    /** Starts a new dirty-tracking epoch; pages stamped later than the returned value are dirty since now. */
    public int syncDirty() { return epoch++; }

    /** Whether page {@code page} was written after the epoch {@code since} returned by {@link #syncDirty}. */
    public boolean dirtySince(int page, int since) { return writeStamp[page] > since; }

    public int pageCount() { return writeStamp.length; }

    /** The hart must re-read the epoch after {@link #syncDirty}; it keeps a copy for speed. */
    public boolean isRam(long pa, int size) { return pa - ramBase >= 0 && pa - ramBase <= ramSize - size; }

    /** Called by the hart after a RAM store to a page with code or watch chunks. Returns true to end the block. */
    public boolean afterRamStore(long off, int size) {
        int page = (int) (off >>> PAGE_SHIFT);
        long bits = chunkBits(off, size);
        boolean stop = false;
        if ((codeChunks[page] & bits) != 0) {
            invalidateCode(page);
            stop = true;
        }
        long endOff = off + size - 1;
        if ((endOff >>> PAGE_SHIFT) != page && endOff < ramSize) stop |= afterRamStore(endOff & ~(PAGE_SIZE - 1L), (int) ((endOff & (PAGE_SIZE - 1)) + 1));
        if ((watchChunks[page] & bits) != 0 && watchListener != null) stop |= watchListener.onWatchedWrite(ramBase + off, size);
        return stop;
    }

    private static long chunkBits(long off, int size) {
        int first = (int) ((off >>> 6) & 63);
        long end = Math.min(off + size - 1, (off | (PAGE_SIZE - 1)));
        int last = (int) ((end >>> 6) & 63);
        long hi = last == 63 ? -1L : (1L << (last + 1)) - 1;
        return hi & (-1L << first);
    }

    private void invalidateCode(int page) {
        codeGen[page]++;
        codeChunks[page] = 0;
        slowChunks[page] = watchChunks[page];
    }

    /** Records that RAM bytes [off, off+len) hold decoded code. */
    public void markCode(long off, int len) {
        int page = (int) (off >>> PAGE_SHIFT);
        long bits = chunkBits(off, len);
        codeChunks[page] |= bits;
        slowChunks[page] |= bits;
    }

    /** Watches writes to physical RAM [pa, pa+len), or stops watching. */
    public void setWatch(long pa, long len, boolean on) {
        for (long a = pa; a < pa + len; a = (a | 63) + 1) {
            if (!isRam(a, 1)) continue;
            long off = a - ramBase;
            int page = (int) (off >>> PAGE_SHIFT);
            long bit = 1L << ((off >>> 6) & 63);
            if (on) watchChunks[page] |= bit;
            else watchChunks[page] &= ~bit;
            slowChunks[page] = codeChunks[page] | watchChunks[page];
        }
    }

    // ---- slow paths: ROM, MMIO, accesses crossing the end of RAM ----

    public long read(long pa, int size) {
        if (isRam(pa, size)) {
            int o = (int) (pa - ramBase);
            return switch (size) {
                case 1 -> ram[o];
                case 2 -> (short) LE16.get(ram, o);
                case 4 -> (int) LE32.get(ram, o);
                default -> (long) LE64.get(ram, o);
            };
        }
        long ro = pa - romBase;
        if (ro >= 0 && ro <= rom.length - size) {
            long v = 0;
            for (int i = size - 1; i >= 0; i--) v = (v << 8) | (rom[(int) ro + i] & 0xff);
            return size == 8 ? v : (v << (64 - 8 * size)) >> (64 - 8 * size);
        }
        for (Mapping m : map) {
            if (pa >= m.base && pa + size <= m.end) {
                long v = m.device.read(pa - m.base, size);
                return size == 8 ? v : (v << (64 - 8 * size)) >> (64 - 8 * size);
            }
        }
        throw FAULT;
    }

    public void write(long pa, int size, long value) {
        if (isRam(pa, size)) {
            long off = pa - ramBase;
            for (int i = 0; i < size; i++) ram[(int) off + i] = (byte) (value >>> (8 * i));
            touched(off, size);
            return;
        }
        long ro = pa - romBase;
        if (ro >= 0 && ro <= rom.length - size) return; // ROM ignores writes, as QEMU's MROM does
        for (Mapping m : map) {
            if (pa >= m.base && pa + size <= m.end) {
                m.device.write(pa - m.base, size, value);
                return;
            }
        }
        throw FAULT;
    }

    /** Whether {@code pa} is a device register window (not RAM or ROM). */
    public boolean isMmio(long pa) {
        for (Mapping m : map) if (pa >= m.base && pa < m.end) return true;
        return false;
    }

    /** A halfword of code at {@code pa}, or -1 if nothing executable is there. */
    public int fetch16(long pa) {
        if (isRam(pa, 2)) return (short) LE16.get(ram, (int) (pa - ramBase)) & 0xffff;
        long ro = pa - romBase;
        if (ro >= 0 && ro <= rom.length - 2) return (rom[(int) ro] & 0xff) | (rom[(int) ro + 1] & 0xff) << 8;
        return -1;
    }

    /** Copies bytes into RAM or ROM (loaders, DMA). Marks pages dirty and invalidates code, like a store. */
    public void writeBytes(long pa, byte[] src, int off, int len) {
        long ro = pa - romBase;
        if (ro >= 0 && ro + len <= rom.length) {
            System.arraycopy(src, off, rom, (int) ro, len);
            return;
        }
        if (!isRam(pa, len)) throw new IllegalArgumentException(String.format("0x%x..0x%x is not RAM", pa, pa + len));
        long o = pa - ramBase;
        System.arraycopy(src, off, ram, (int) o, len);
        touched(o, len);
    }

    /** Copies bytes out of RAM; false if the range is not all RAM. */
    public boolean readBytes(long pa, byte[] dst, int off, int len) {
        if (!isRam(pa, len)) return false;
        System.arraycopy(ram, (int) (pa - ramBase), dst, off, len);
        return true;
    }

    private void touched(long off, int len) {
        for (long p = off >>> PAGE_SHIFT; p <= (off + len - 1) >>> PAGE_SHIFT; p++) {
            writeStamp[(int) p] = epoch;
            if (slowChunks[(int) p] != 0) {
                long start = Math.max(off, p << PAGE_SHIFT);
                long end = Math.min(off + len, (p + 1) << PAGE_SHIFT);
                afterRamStore(start, (int) (end - start));
            }
        }
    }

    /** RAM page {@code index} for snapshots. */
    public void copyPage(int index, byte[] dst) { System.arraycopy(ram, index << PAGE_SHIFT, dst, 0, PAGE_SIZE); }

    private static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];

    /** Whether RAM page {@code index} is all zero (read in place: a snapshot need not copy it to know). */
    public boolean isZeroPage(int index) {
        int from = index << PAGE_SHIFT;
        return java.util.Arrays.equals(ram, from, from + PAGE_SIZE, ZERO_PAGE, 0, PAGE_SIZE);
    }

    /** Restores RAM page {@code index}; decoded code in it is dropped. */
    public void restorePage(int index, byte[] src) {
        System.arraycopy(src, 0, ram, index << PAGE_SHIFT, PAGE_SIZE);
        writeStamp[index] = epoch;
        invalidateCode(index);
    }

    public byte[] rom() { return rom; }

    /** Drops all decoded code (after a restore). */
    public void invalidateAllCode() {
        for (int p = 0; p < codeGen.length; p++) if (codeChunks[p] != 0) invalidateCode(p);
    }
}
