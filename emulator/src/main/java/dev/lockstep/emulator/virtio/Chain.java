// One descriptor chain popped from a virtqueue: the guest buffers of one request, as physical segments.
package dev.lockstep.emulator.virtio;

import dev.lockstep.emulator.memory.Bus;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;

/**
 * The device-readable and device-writable buffers of one request, in chain order, each checked to lie in
 * RAM when the chain was popped. Devices treat each side as one byte stream (VIRTIO_F_ANY_LAYOUT), so a
 * header split across descriptors reads the same as one in a single descriptor.
 */
public final class Chain {
    final int head;
    final long[] readAddr, writeAddr;
    final int[] readLen, writeLen;
    public final long readable, writable;

    Chain(int head, long[] readAddr, int[] readLen, long[] writeAddr, int[] writeLen) {
        this.head = head;
        this.readAddr = readAddr;
        this.readLen = readLen;
        this.writeAddr = writeAddr;
        this.writeLen = writeLen;
        long r = 0, w = 0;
        for (int l : readLen) r += l;
        for (int l : writeLen) w += l;
        this.readable = r;
        this.writable = w;
    }

    public int head() { return head; }

    /** Reads {@code len} bytes of the readable stream from {@code offset}. */
    public byte[] read(Bus bus, long offset, int len) {
        byte[] out = new byte[len];
        copy(bus, readAddr, readLen, offset, out, 0, len, false);
        return out;
    }

    /** Writes {@code len} bytes of {@code src} into the writable stream at {@code offset}. */
    public void write(Bus bus, long offset, byte[] src, int srcOff, int len) {
        copy(bus, writeAddr, writeLen, offset, src, srcOff, len, true);
    }

    private static void copy(Bus bus, long[] addr, int[] lens, long offset, byte[] buf, int bufOff, int len, boolean toGuest) {
        int done = 0;
        long skip = offset;
        for (int i = 0; i < addr.length && done < len; i++) {
            if (skip >= lens[i]) {
                skip -= lens[i];
                continue;
            }
            int n = (int) Math.min(lens[i] - skip, len - done);
            if (toGuest) bus.writeBytes(addr[i] + skip, buf, bufOff + done, n);
            else bus.readBytes(addr[i] + skip, buf, bufOff + done, n);
            done += n;
            skip = 0;
        }
        if (done < len) throw new IllegalArgumentException("chain has fewer bytes than " + (offset + len));
    }

    void save(StateWriter w) {
        w.i32(head).longs(readAddr).longs(writeAddr);
        for (int l : readLen) w.i32(l);
        for (int l : writeLen) w.i32(l);
    }

    static Chain restore(StateReader r) {
        int head = r.i32();
        long[] ra = longs(r), wa = longs(r);
        int[] rl = new int[ra.length], wl = new int[wa.length];
        for (int i = 0; i < rl.length; i++) rl[i] = r.i32();
        for (int i = 0; i < wl.length; i++) wl[i] = r.i32();
        return new Chain(head, ra, rl, wa, wl);
    }

    private static long[] longs(StateReader r) {
        int n = r.i32();
        if (n < 0 || n > 1 << 16) throw new dev.lockstep.emulator.state.SnapshotException("corrupt descriptor chain in snapshot");
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = r.i64();
        return v;
    }
}
