// The split virtqueue shared by every virtio device: descriptor walking, the avail and used rings.
package dev.lockstep.emulator.virtio;

import dev.lockstep.emulator.memory.Bus;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * One split virtqueue (virtio 1.2 §2.7) with indirect descriptors and without event-idx. Everything the
 * driver wrote is distrusted: ring and table addresses, indices, chain links and lengths are checked
 * against RAM and the queue size, and a violation is a {@link VirtioError}, never a host exception or a
 * loop. The only state kept here is what the device side of the spec keeps (addresses, size, the next
 * avail index to read); the rest lives in guest memory.
 */
public final class Virtqueue {
    private static final int F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;
    private static final int AVAIL_F_NO_INTERRUPT = 1;
    /** Indirect tables longer than this are refused (Linux never builds more than the queue size). */
    private static final int MAX_INDIRECT = 1024;

    private final Bus bus;
    final int maxSize;
    int size;
    boolean ready;
    long desc, avail, used;
    int lastAvail;
    /** Legacy (version 1) layout: the page frame number the driver gave, and its alignment. */
    long pfn;
    int align = 4096;

    Virtqueue(Bus bus, int maxSize) {
        this.bus = bus;
        this.maxSize = maxSize;
    }

    void reset() {
        size = maxSize;
        ready = false;
        desc = avail = used = 0;
        lastAvail = 0;
        pfn = 0;
        align = 4096;
    }

    /** Places the rings the way a legacy driver expects them: contiguous from {@code pfn · pageSize}. */
    void setLegacyPfn(long pfn, long pageSize) {
        this.pfn = pfn;
        if (pfn == 0) {
            ready = false;
            return;
        }
        desc = pfn * pageSize;
        avail = desc + 16L * size;
        long a = Math.max(1, align);
        used = (avail + 4 + 2L * size + 2 + a - 1) / a * a;
        ready = true;
    }

    public boolean ready() { return ready; }

    private void checkSize() throws VirtioError {
        if (size <= 0 || size > maxSize || Integer.bitCount(size) != 1) {
            throw new VirtioError("queue size " + size + " is not a power of two up to " + maxSize);
        }
    }

    private int u16(long pa) throws VirtioError {
        if (!bus.isRam(pa, 2)) throw new VirtioError(String.format("virtqueue ring at 0x%x is outside RAM", pa));
        return (int) bus.read(pa, 2) & 0xffff;
    }

    /** Whether the driver has made a chain available that the device has not taken. */
    public boolean hasAvailable() throws VirtioError {
        return ready && u16(avail + 2) != lastAvail;
    }

    /** Takes the next available chain, or null if there is none. */
    public Chain pop() throws VirtioError {
        if (!ready) return null;
        checkSize();
        int idx = u16(avail + 2);
        if (idx == lastAvail) return null;
        if (((idx - lastAvail) & 0xffff) > size) {
            throw new VirtioError("avail index moved " + ((idx - lastAvail) & 0xffff) + " entries on a queue of " + size);
        }
        int head = u16(avail + 4 + 2L * (lastAvail % size));
        lastAvail = (lastAvail + 1) & 0xffff;
        if (head >= size) throw new VirtioError("descriptor head " + head + " is beyond the queue size " + size);
        return walk(head);
    }

    private Chain walk(int head) throws VirtioError {
        List<long[]> reads = new ArrayList<>(), writes = new ArrayList<>();
        long table = desc;
        int count = size, i = head, seen = 0;
        boolean indirect = false;
        long total = 0;
        while (true) {
            long d = table + 16L * i;
            if (!bus.isRam(d, 16)) throw new VirtioError(String.format("descriptor at 0x%x is outside RAM", d));
            long addr = bus.read(d, 8);
            long len = bus.read(d + 8, 4) & 0xffffffffL;
            int flags = (int) bus.read(d + 12, 2) & 0xffff;
            int next = (int) bus.read(d + 14, 2) & 0xffff;
            if ((flags & F_INDIRECT) != 0) {
                if (indirect) throw new VirtioError("an indirect descriptor points to another indirect table");
                if ((flags & F_NEXT) != 0) throw new VirtioError("an indirect descriptor has NEXT set");
                if (len == 0 || len % 16 != 0 || len / 16 > MAX_INDIRECT) {
                    throw new VirtioError("indirect table of " + len + " bytes is not 1.." + MAX_INDIRECT + " descriptors");
                }
                if (!bus.isRam(addr, (int) len)) throw new VirtioError(String.format("indirect table at 0x%x is outside RAM", addr));
                if (seen != 0) throw new VirtioError("an indirect descriptor follows direct ones in a chain");
                indirect = true;
                table = addr;
                count = (int) (len / 16);
                i = 0;
                continue;
            }
            if (++seen > count) throw new VirtioError("descriptor chain from " + head + " loops or is longer than its table");
            if (len > 0) {
                if (!bus.isRam(addr, (int) Math.min(len, Integer.MAX_VALUE)) || len > bus.ramSize) {
                    throw new VirtioError(String.format("buffer 0x%x..0x%x is outside RAM", addr, addr + len));
                }
                total += len;
                if (total > bus.ramSize) throw new VirtioError("descriptor chain is larger than RAM");
                boolean w = (flags & F_WRITE) != 0;
                if (!w && !writes.isEmpty()) throw new VirtioError("a device-readable descriptor follows a writable one");
                (w ? writes : reads).add(new long[] {addr, len});
            }
            if ((flags & F_NEXT) == 0) break;
            if (next >= count) throw new VirtioError("descriptor link " + next + " is beyond its table of " + count);
            i = next;
        }
        return new Chain(head, addrs(reads), lens(reads), addrs(writes), lens(writes));
    }

    private static long[] addrs(List<long[]> l) {
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i)[0];
        return a;
    }

    private static int[] lens(List<long[]> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = (int) l.get(i)[1];
        return a;
    }

    /**
     * Returns a chain to the driver with {@code written} bytes written into it. Returns whether the driver
     * wants an interrupt for it (it did not set VIRTQ_AVAIL_F_NO_INTERRUPT).
     */
    public boolean push(Chain c, long written) throws VirtioError {
        checkSize();
        long ringIdx = used + 2;
        int idx = u16(ringIdx);
        long elem = used + 4 + 8L * (idx % size);
        if (!bus.isRam(elem, 8)) throw new VirtioError(String.format("used ring entry at 0x%x is outside RAM", elem));
        bus.write(elem, 4, c.head);
        bus.write(elem + 4, 4, written);
        bus.write(ringIdx, 2, (idx + 1) & 0xffff);
        return (u16(avail) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    void save(StateWriter w) {
        w.i32(size).bool(ready).i64(desc).i64(avail).i64(used).i32(lastAvail).i64(pfn).i32(align);
    }

    void restore(StateReader r) {
        size = r.i32();
        ready = r.bool();
        desc = r.i64();
        avail = r.i64();
        used = r.i64();
        lastAvail = r.i32();
        pfn = r.i64();
        align = r.i32();
    }
}
