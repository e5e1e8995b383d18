// What a virtio device type (blk, net, rng) adds to the shared transport and virtqueues.
package dev.lockstep.emulator.virtio;

import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;

/**
 * A virtio device behind a {@link VirtioMmio} transport. The transport owns the registers, feature
 * negotiation and the queues; a device says what it is, serves its configuration space and handles
 * notifications. A device changes guest memory only in {@link #notify} (the guest's own MMIO write) or
 * when the machine delivers an input event to it, both at instruction boundaries (DESIGN §1).
 */
public abstract class VirtioDevice {
    public static final long F_INDIRECT_DESC = 1L << 28, F_VERSION_1 = 1L << 32;

    protected VirtioMmio transport;

    void attach(VirtioMmio t) { this.transport = t; }

    /** Virtio device id: 1 net, 2 blk, 4 entropy. */
    public abstract int deviceId();

    /** Short name for the debugger and messages. */
    public abstract String kind();

    /** Device-type feature bits offered (transport bits are added by the transport). */
    public abstract long features();

    /** Maximum size of each queue; the length is the number of queues. */
    public abstract int[] queueSizes();

    /** Reads the device-specific configuration space (little-endian). */
    public long readConfig(int offset, int size) {
        byte[] c = config();
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (offset + i < c.length ? c[offset + i] & 0xff : 0);
        return v;
    }

    public void writeConfig(int offset, int size, long value) {}

    /** The configuration space bytes. */
    protected byte[] config() { return new byte[0]; }

    /** The driver notified queue {@code q}. */
    protected abstract void notify(int q) throws VirtioError;

    /** The driver reset the device (status written 0): drop every request in flight. */
    protected void reset() {}

    protected abstract void save(StateWriter w);

    protected abstract void restore(StateReader r);

    /** Whether the driver accepted VIRTIO_F_VERSION_1 (the net header is 12 bytes then, not 10). */
    protected boolean modern() { return (transport.driverFeatures() & F_VERSION_1) != 0; }

    protected Virtqueue queue(int q) { return transport.queue(q); }

    /** Returns a chain to the driver and interrupts it unless it asked not to be. */
    protected void complete(int q, Chain c, long written) throws VirtioError {
        if (queue(q).push(c, written)) transport.interruptUsed();
    }
}
