// virtio-net (device id 1): frames out through the output sink, frames in through NetRx input events.
package dev.lockstep.emulator.virtio;

import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.state.SnapshotException;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;
import java.util.ArrayDeque;

/**
 * A receive queue (0) and a transmit queue (1), the MAC and link status in configuration space.
 * Transmitted frames (without the virtio-net header) leave as NET output, which the driver forwards
 * to the network backend (after the backup acknowledged, under FT). A delivered
 * {@link InputEvent.NetRx} goes into the next receive buffer with a zeroed header; frames that find no
 * buffer wait in a bounded queue that is device state, and the oldest is dropped when it is full.
 */
public final class VirtioNet extends VirtioDevice {
    private static final long F_MAC = 1L << 5, F_STATUS = 1L << 16;
    private static final int QUEUE_SIZE = 256, BACKLOG = 256;
    public static final int MAX_FRAME = 65536;

    private final byte[] mac;
    private final ArrayDeque<byte[]> backlog = new ArrayDeque<>();

    public VirtioNet(byte[] mac) {
        if (mac.length != 6) throw new IllegalArgumentException("a MAC address has 6 bytes");
        this.mac = mac.clone();
    }

    @Override public int deviceId() { return 1; }
    @Override public String kind() { return "net"; }
    @Override public long features() { return F_MAC | F_STATUS; }
    @Override public int[] queueSizes() { return new int[] {QUEUE_SIZE, QUEUE_SIZE}; }

    public int backlog() { return backlog.size(); }

    @Override
    protected byte[] config() {
        byte[] c = new byte[8];
        System.arraycopy(mac, 0, c, 0, 6);
        c[6] = 1; // VIRTIO_NET_S_LINK_UP
        return c;
    }

    /** The virtio_net_hdr: 12 bytes with VERSION_1 (num_buffers included), 10 for a legacy driver. */
    private int headerSize() { return modern() ? 12 : 10; }

    @Override
    protected void notify(int q) throws VirtioError {
        if (q == 1) {
            Chain c;
            while ((c = queue(1).pop()) != null) {
                int hdr = headerSize();
                if (c.readable < hdr) throw new VirtioError("virtio-net transmit buffer is shorter than its header");
                long len = c.readable - hdr;
                if (len > MAX_FRAME) throw new VirtioError("virtio-net transmit frame of " + len + " bytes");
                byte[] frame = c.read(transport.bus(), hdr, (int) len);
                transport.emitter().emit(OutputKind.NET, frame, 0, frame.length);
                complete(1, c, 0);
            }
        } else {
            drain();
        }
    }

    public void receive(InputEvent.NetRx rx) {
        if (!transport.working() || rx.frame().length > MAX_FRAME) return;
        if (backlog.size() == BACKLOG) backlog.poll();
        backlog.add(rx.frame());
        try {
            drain();
        } catch (VirtioError e) {
            transport.fail(e);
        }
    }

    private void drain() throws VirtioError {
        while (!backlog.isEmpty() && queue(0).ready()) {
            Chain c = queue(0).pop();
            if (c == null) return;
            byte[] frame = backlog.poll();
            int hdr = headerSize();
            if (c.writable < hdr) throw new VirtioError("virtio-net receive buffer is shorter than its header");
            byte[] h = new byte[hdr];
            if (hdr == 12) h[10] = 1; // num_buffers
            c.write(transport.bus(), 0, h, 0, hdr);
            int n = (int) Math.min(frame.length, c.writable - hdr); // a frame too big for the buffer is cut
            c.write(transport.bus(), hdr, frame, 0, n);
            complete(0, c, hdr + n);
        }
    }

    @Override
    protected void reset() { backlog.clear(); }

    @Override
    protected void save(StateWriter w) {
        w.i32(backlog.size());
        for (byte[] f : backlog) w.bytes(f);
    }

    @Override
    protected void restore(StateReader r) {
        int n = r.i32();
        if (n < 0 || n > BACKLOG) throw new SnapshotException("snapshot has " + n + " frames waiting for virtio-net");
        backlog.clear();
        for (int i = 0; i < n; i++) backlog.add(r.bytes());
    }
}
