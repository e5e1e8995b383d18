// The virtio-blk backend of a replayed (or FT backup) machine: no host I/O, completions come from the log.
package dev.lockstep.replayer;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.virtio.BlockBackend;
import java.util.function.Supplier;

/**
 * Requests go nowhere: their DISK_DONE entries complete them. In shared-disk mode those carry the read
 * data and this backend is never read. In private-disk mode they carry none, and reads come from a
 * scratch copy of the trace's disk image (loaded on first use) to which the replayed writes are applied,
 * so the image the trace holds or references is never changed.
 */
public final class ReplayDisk implements BlockBackend {
    private final long capacity;
    private final Supplier<byte[]> image;
    private byte[] scratch;

    /** {@code image} gives the disk's bytes at the start of the session, read only if a read needs them. */
    public ReplayDisk(long capacity, Supplier<byte[]> image) {
        this.capacity = capacity;
        this.image = image;
    }

    @Override public long capacity() { return capacity; }

    @Override public void read(long requestId, long offset, int length) { }

    @Override
    public void write(long requestId, long offset, byte[] data) {
        if (!privateDisk) return; // shared disk: nothing reads the scratch copy
        System.arraycopy(data, 0, scratch(), (int) offset, data.length);
    }

    @Override public void flush(long requestId) { }

    private boolean privateDisk;

    /** A private disk: completions without data read the scratch copy, so every write must reach it. */
    public ReplayDisk privateDisk() {
        privateDisk = true;
        return this;
    }

    @Override
    public byte[] readNow(long offset, int length) {
        byte[] out = new byte[length];
        System.arraycopy(scratch(), (int) offset, out, 0, length);
        return out;
    }

    private byte[] scratch() {
        if (scratch == null) {
            byte[] b = image.get();
            if (b.length != capacity) {
                throw new LockstepException("the trace's disk image has " + b.length + " bytes; the recorded disk had " + capacity);
            }
            scratch = b.clone();
        }
        return scratch;
    }
}
