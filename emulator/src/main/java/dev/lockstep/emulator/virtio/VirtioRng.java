// virtio-rng (device id 4): the guest's buffers wait until an Rng input event brings the bytes.
package dev.lockstep.emulator.virtio;

import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.state.SnapshotException;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;
import java.util.ArrayDeque;

/**
 * One request queue. A notification takes the guest's empty buffers and asks the entropy source for as
 * many bytes as they hold; a delivered {@link InputEvent.Rng} fills the waiting buffers in order (the
 * last one filled may be partly filled, which virtio-rng permits) and interrupts the guest.
 */
public final class VirtioRng extends VirtioDevice {
    private static final int QUEUE_SIZE = 8;
    private static final int MAX_REQUEST = 64 * 1024;

    private EntropySource source;
    private final ArrayDeque<Chain> waiting = new ArrayDeque<>();

    public VirtioRng(EntropySource source) { this.source = source; }

    @Override public int deviceId() { return 4; }
    @Override public String kind() { return "rng"; }
    @Override public long features() { return 0; }
    @Override public int[] queueSizes() { return new int[] {QUEUE_SIZE}; }

    public int waitingBuffers() { return waiting.size(); }

    @Override
    protected void notify(int q) throws VirtioError {
        long want = 0;
        Chain c;
        while ((c = queue(0).pop()) != null) {
            if (c.writable == 0) throw new VirtioError("virtio-rng buffer is not device-writable");
            waiting.add(c);
            want += c.writable;
        }
        if (want > 0) source.request((int) Math.min(want, MAX_REQUEST));
    }

    /** Switches to {@code live} (an FT backup going live) and asks it for the buffers still waiting. */
    public void goLive(EntropySource live) {
        source = live;
        long want = 0;
        for (Chain c : waiting) want += c.writable;
        if (want > 0) live.request((int) Math.min(want, MAX_REQUEST));
    }

    public void fill(InputEvent.Rng rng) {
        if (!transport.working()) return;
        byte[] b = rng.bytes();
        int used = 0;
        try {
            while (used < b.length && !waiting.isEmpty()) {
                Chain c = waiting.poll();
                int n = (int) Math.min(c.writable, b.length - used);
                c.write(transport.bus(), 0, b, used, n);
                used += n;
                complete(0, c, n);
            }
        } catch (VirtioError e) {
            transport.fail(e);
        }
    }

    @Override
    protected void reset() { waiting.clear(); }

    @Override
    protected void save(StateWriter w) {
        w.i32(waiting.size());
        for (Chain c : waiting) c.save(w);
    }

    @Override
    protected void restore(StateReader r) {
        int n = r.i32();
        if (n < 0 || n > QUEUE_SIZE) throw new SnapshotException("snapshot has " + n + " virtio-rng buffers waiting");
        waiting.clear();
        for (int i = 0; i < n; i++) waiting.add(Chain.restore(r));
    }
}
