// virtio-blk (device id 2): a raw disk image behind a BlockBackend, completed through DiskDone events.
package dev.lockstep.emulator.virtio;

import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.state.SnapshotException;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request queue; reads, writes, flush and get-id. When the guest notifies, each request is parsed
 * from guest memory at that instruction boundary and handed to the backend with a request number the
 * device assigns in order; the guest's buffers are filled, the status written and the interrupt raised
 * only when the matching {@link InputEvent.DiskDone} is delivered. Requests in flight are device state
 * (they are in snapshots). Malformed requests (no header, no status byte) set DEVICE_NEEDS_RESET;
 * out-of-range or unaligned ones complete at once with IOERR, unknown types with UNSUPP.
 */
public final class VirtioBlk extends VirtioDevice {
    public static final int T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8;
    public static final int S_OK = 0, S_IOERR = 1, S_UNSUPP = 2;
    private static final long F_SEG_MAX = 1L << 2, F_BLK_SIZE = 1L << 6, F_FLUSH = 1L << 9;
    private static final int QUEUE_SIZE = 256, SECTOR = 512;

    private record Pending(Chain chain, int type, long offset, int length) {}

    private BlockBackend backend;
    private final byte[] serial;
    private long nextRequest = 1;
    private final TreeMap<Long, Pending> inflight = new TreeMap<>();

    public VirtioBlk(BlockBackend backend, String serial) {
        if (backend.capacity() % SECTOR != 0) {
            throw new IllegalArgumentException("disk capacity " + backend.capacity() + " is not a multiple of 512");
        }
        this.backend = backend;
        byte[] s = serial.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.serial = java.util.Arrays.copyOf(s, Math.min(20, s.length + 1)); // NUL-terminated if it fits, as QEMU
    }

    @Override public int deviceId() { return 2; }
    @Override public String kind() { return "blk"; }
    @Override public long features() { return F_SEG_MAX | F_BLK_SIZE | F_FLUSH; }
    @Override public int[] queueSizes() { return new int[] {QUEUE_SIZE}; }

    public int inflight() { return inflight.size(); }

    /** Where requests go now. */
    public BlockBackend backend() { return backend; }

    @Override
    protected byte[] config() {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, backend.capacity() / SECTOR);
        b.putInt(12, QUEUE_SIZE - 2); // seg_max, as QEMU
        b.putInt(20, SECTOR); // blk_size
        b.putShort(34, (short) 1); // num_queues
        return b.array();
    }

    @Override
    protected void notify(int q) throws VirtioError {
        Chain c;
        while ((c = queue(0).pop()) != null) submit(c);
    }

    private void submit(Chain c) throws VirtioError {
        if (c.readable < 16 || c.writable < 1) throw new VirtioError("virtio-blk request without a header or a status byte");
        ByteBuffer h = ByteBuffer.wrap(c.read(transport.bus(), 0, 16)).order(ByteOrder.LITTLE_ENDIAN);
        int type = h.getInt(0);
        long sector = h.getLong(8);
        switch (type) {
            case T_IN, T_OUT -> {
                long len = type == T_IN ? c.writable - 1 : c.readable - 16;
                long offset = sector * SECTOR;
                if (len % SECTOR != 0 || sector < 0 || sector > Long.MAX_VALUE / SECTOR || offset > backend.capacity()
                        || len > backend.capacity() - offset) {
                    finish(c, S_IOERR, 0);
                    return;
                }
                long id = nextRequest++;
                inflight.put(id, new Pending(c, type, offset, (int) len));
                if (type == T_IN) {
                    backend.read(id, offset, (int) len);
                } else {
                    byte[] data = c.read(transport.bus(), 16, (int) len);
                    byte[] out = new byte[8 + data.length];
                    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(sector).put(data);
                    transport.emitter().emit(OutputKind.DISK, out, 0, out.length);
                    backend.write(id, offset, data);
                }
            }
            case T_FLUSH -> {
                long id = nextRequest++;
                inflight.put(id, new Pending(c, type, 0, 0));
                backend.flush(id);
            }
            case T_GET_ID -> {
                int n = (int) Math.min(serial.length, c.writable - 1);
                c.write(transport.bus(), 0, serial, 0, n);
                finish(c, S_OK, n);
            }
            default -> finish(c, S_UNSUPP, 0);
        }
    }

    private void finish(Chain c, int status, int dataWritten) throws VirtioError {
        c.write(transport.bus(), c.writable - 1, new byte[] {(byte) status}, 0, 1);
        complete(0, c, dataWritten + 1L);
    }

    /**
     * Switches to the backend {@code live} and hands it every request still in flight, in request order,
     * with the same ids. An FT backup going live does this (until then its backend only watched the log):
     * the failed primary may or may not have done those requests, and doing a read, a write of the same
     * bytes or a flush again is harmless. Returns how many were re-issued.
     */
    public int switchBackend(BlockBackend live) {
        if (live.capacity() != backend.capacity()) {
            throw new IllegalArgumentException("the live disk has " + live.capacity() + " bytes, the machine's " + backend.capacity());
        }
        backend = live;
        for (Map.Entry<Long, Pending> e : inflight.entrySet()) {
            Pending p = e.getValue();
            switch (p.type) {
                case T_IN -> live.read(e.getKey(), p.offset, p.length);
                case T_OUT -> live.write(e.getKey(), p.offset, p.chain.read(transport.bus(), 16, p.length));
                default -> live.flush(e.getKey());
            }
        }
        return inflight.size();
    }

    /** Delivers a completion. One for an unknown request (say, issued before a device reset) is dropped. */
    public void complete(InputEvent.DiskDone done) {
        Pending p = inflight.remove(done.requestId());
        if (p == null || !transport.working()) return;
        try {
            int status = done.status();
            int written = 0;
            if (p.type == T_IN && status == S_OK) {
                byte[] data = done.data() != null ? done.data() : backend.readNow(p.offset, p.length);
                if (data.length != p.length) {
                    status = S_IOERR;
                } else {
                    p.chain.write(transport.bus(), 0, data, 0, data.length);
                    written = data.length;
                }
            }
            finish(p.chain, status, written);
        } catch (VirtioError e) {
            transport.fail(e);
        }
    }

    @Override
    protected void reset() { inflight.clear(); }

    @Override
    protected void save(StateWriter w) {
        w.i64(nextRequest).i32(inflight.size());
        for (Map.Entry<Long, Pending> e : inflight.entrySet()) {
            Pending p = e.getValue();
            w.i64(e.getKey()).i32(p.type).i64(p.offset).i32(p.length);
            p.chain.save(w);
        }
    }

    @Override
    protected void restore(StateReader r) {
        nextRequest = r.i64();
        int n = r.i32();
        if (n < 0 || n > QUEUE_SIZE) throw new SnapshotException("snapshot has " + n + " virtio-blk requests in flight");
        inflight.clear();
        for (int i = 0; i < n; i++) {
            long id = r.i64();
            int type = r.i32();
            long offset = r.i64();
            int length = r.i32();
            inflight.put(id, new Pending(Chain.restore(r), type, offset, length));
        }
    }
}
