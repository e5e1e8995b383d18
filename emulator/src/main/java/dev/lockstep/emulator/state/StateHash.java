// A fast 64-bit hash over machine state: RAM pages (cached per page) plus CPU and device state.
package dev.lockstep.emulator.state;

import dev.lockstep.emulator.memory.Bus;

/**
 * Hash of the whole machine state. Page hashes are cached and recomputed only for pages written since
 * the last call, so hashing a mostly idle 128 MiB machine costs microseconds, not a full scan.
 */
public final class StateHash {
    private final Bus bus;
    private final long[] pageHash;
    private int since = -1;

    public StateHash(Bus bus) {
        this.bus = bus;
        this.pageHash = new long[bus.pageCount()];
    }

    /** Combines cached page hashes (refreshing dirty ones) with {@code coreState}. */
    public long hash(byte[] coreState, int dirtyEpoch) {
        byte[] ram = bus.ram();
        for (int p = 0; p < pageHash.length; p++) {
            if (since < 0 || bus.dirtySince(p, since)) pageHash[p] = hashBytes(ram, p << Bus.PAGE_SHIFT, Bus.PAGE_SIZE, p);
        }
        since = dirtyEpoch;
        long h = 0x9E3779B97F4A7C15L;
        for (int p = 0; p < pageHash.length; p++) h = mix(h ^ pageHash[p]) + p;
        return mix(h ^ hashBytes(coreState, 0, coreState.length, -1));
    }

    /** Forgets cached page hashes (after RAM was replaced wholesale). */
    public void invalidate() { since = -1; }

    public static long hashBytes(byte[] b, int off, int len, long seed) {
        long h = mix(seed ^ len);
        int i = off, end = off + len;
        for (; i + 8 <= end; i += 8) h = Long.rotateLeft(h ^ mix((long) Bus.LE64.get(b, i)), 27) * 0x9E3779B97F4A7C15L;
        long tail = 0;
        for (int k = 0; i < end; i++, k += 8) tail |= (b[i] & 0xffL) << k;
        return mix(h ^ mix(tail));
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
