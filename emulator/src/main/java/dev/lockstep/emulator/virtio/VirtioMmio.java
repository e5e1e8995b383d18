// The virtio-mmio transport at one of QEMU virt's eight slots (0x10001000 + 0x1000·slot), modern or legacy.
package dev.lockstep.emulator.virtio;

import dev.lockstep.emulator.device.Device;
import dev.lockstep.emulator.device.IrqLine;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.memory.Bus;
import dev.lockstep.emulator.state.SnapshotException;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;

/**
 * The register file of virtio 1.2 §4.2.2 (version 2) or its legacy form §4.2.4 (version 1, QEMU 7.2's
 * default, where the driver gives each queue a page frame number). An empty slot answers magic,
 * version and vendor with device id 0, as QEMU's do, so drivers skip it. When the driver feeds the
 * device garbage, the transport sets DEVICE_NEEDS_RESET, raises a configuration-change interrupt and
 * ignores the device's queues until the driver resets it.
 */
public final class VirtioMmio implements Device {
    public static final long BASE = 0x10001000L, STRIDE = 0x1000;
    public static final int SLOTS = 8;
    private static final int MAGIC = 0x74726976, VENDOR = 0x554d4551; // "virt", "QEMU"
    public static final int STATUS_ACKNOWLEDGE = 1, STATUS_DRIVER = 2, STATUS_DRIVER_OK = 4, STATUS_FEATURES_OK = 8,
            STATUS_NEEDS_RESET = 0x40, STATUS_FAILED = 0x80;
    public static final int INT_USED = 1, INT_CONFIG = 2;

    /** Where a device's guest output goes: the machine stamps it with the instruction number. */
    @FunctionalInterface
    public interface Emitter {
        void emit(OutputKind kind, byte[] data, int off, int len);
    }

    private final int slot;
    private final boolean legacy;
    private final Bus bus;
    private final Emitter emitter;
    private IrqLine irq = IrqLine.NONE;
    private VirtioDevice device;
    private Virtqueue[] queues = new Virtqueue[0];

    private int status, interruptStatus, queueSel, deviceFeaturesSel, driverFeaturesSel;
    private long driverFeatures;
    private long guestPageSize = 4096;
    private boolean broken;
    private String lastError = "";

    public VirtioMmio(int slot, boolean legacy, Bus bus, Emitter emitter) {
        this.slot = slot;
        this.legacy = legacy;
        this.bus = bus;
        this.emitter = emitter;
    }

    public void connect(IrqLine line) {
        this.irq = line;
        updateIrq();
    }

    /** Plugs a device into this slot (before the guest starts). */
    public void plug(VirtioDevice d) {
        if (device != null) throw new IllegalStateException("virtio slot " + slot + " is taken");
        device = d;
        d.attach(this);
        int[] sizes = d.queueSizes();
        queues = new Virtqueue[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            queues[i] = new Virtqueue(bus, sizes[i]);
            queues[i].reset();
        }
    }

    public int slot() { return slot; }
    public boolean legacy() { return legacy; }
    public VirtioDevice device() { return device; }
    public Bus bus() { return bus; }
    Emitter emitter() { return emitter; }
    public int status() { return status; }
    public int interruptStatus() { return interruptStatus; }
    public long driverFeatures() { return driverFeatures; }
    /** Why the device last asked for a reset, for the debugger and tests ("" if it never did). */
    public String lastError() { return lastError; }

    Virtqueue queue(int q) { return queues[q]; }

    @Override public String name() { return "virtio" + slot; }
    @Override public long size() { return STRIDE; }

    private long offered() {
        if (device == null) return 0;
        return device.features() | VirtioDevice.F_INDIRECT_DESC | (legacy ? 0 : VirtioDevice.F_VERSION_1);
    }

    private Virtqueue selected() { return queueSel < queues.length ? queues[queueSel] : null; }

    @Override
    public long read(long off, int size) {
        if (off >= 0x100) return device == null ? 0 : device.readConfig((int) (off - 0x100), size);
        if (size != 4) return 0;
        if (device == null) {
            return switch ((int) off) {
                case 0x000 -> MAGIC;
                case 0x004 -> legacy ? 1 : 2;
                case 0x00c -> VENDOR;
                default -> 0;
            };
        }
        Virtqueue q = selected();
        return switch ((int) off) {
            case 0x000 -> MAGIC;
            case 0x004 -> legacy ? 1 : 2;
            case 0x008 -> device.deviceId();
            case 0x00c -> VENDOR;
            case 0x010 -> deviceFeaturesSel > 1 ? 0 : (offered() >>> (32 * deviceFeaturesSel)) & 0xffffffffL;
            case 0x034 -> q == null ? 0 : q.maxSize;
            case 0x040 -> legacy && q != null ? q.pfn : 0;
            case 0x044 -> !legacy && q != null && q.ready ? 1 : 0;
            case 0x060 -> interruptStatus;
            case 0x070 -> status;
            case 0x080 -> q == null ? 0 : q.desc & 0xffffffffL;
            case 0x084 -> q == null ? 0 : q.desc >>> 32;
            case 0x090 -> q == null ? 0 : q.avail & 0xffffffffL;
            case 0x094 -> q == null ? 0 : q.avail >>> 32;
            case 0x0a0 -> q == null ? 0 : q.used & 0xffffffffL;
            case 0x0a4 -> q == null ? 0 : q.used >>> 32;
            case 0x0fc -> 0; // config generation: the config space never changes under the driver
            default -> 0;
        };
    }

    @Override
    public void write(long off, int size, long value) {
        if (device == null) return;
        if (off >= 0x100) {
            device.writeConfig((int) (off - 0x100), size, value);
            return;
        }
        if (size != 4) return;
        long v = value & 0xffffffffL;
        Virtqueue q = selected();
        switch ((int) off) {
            case 0x014 -> deviceFeaturesSel = (int) v;
            case 0x020 -> {
                if (driverFeaturesSel < 2) {
                    int shift = 32 * driverFeaturesSel;
                    driverFeatures = (driverFeatures & ~(0xffffffffL << shift)) | (v << shift);
                }
            }
            case 0x024 -> driverFeaturesSel = (int) v;
            case 0x028 -> { if (legacy) guestPageSize = v; }
            case 0x030 -> queueSel = (int) v;
            case 0x038 -> { if (q != null) q.size = (int) v; }
            case 0x03c -> { if (legacy && q != null) q.align = (int) v; }
            case 0x040 -> { if (legacy && q != null) q.setLegacyPfn(v, guestPageSize); }
            case 0x044 -> { if (!legacy && q != null) q.ready = (v & 1) != 0; }
            case 0x050 -> notifyQueue((int) v);
            case 0x064 -> {
                interruptStatus &= ~(int) v;
                updateIrq();
            }
            case 0x070 -> writeStatus((int) v & 0xff);
            case 0x080 -> { if (q != null) q.desc = (q.desc & ~0xffffffffL) | v; }
            case 0x084 -> { if (q != null) q.desc = (q.desc & 0xffffffffL) | (v << 32); }
            case 0x090 -> { if (q != null) q.avail = (q.avail & ~0xffffffffL) | v; }
            case 0x094 -> { if (q != null) q.avail = (q.avail & 0xffffffffL) | (v << 32); }
            case 0x0a0 -> { if (q != null) q.used = (q.used & ~0xffffffffL) | v; }
            case 0x0a4 -> { if (q != null) q.used = (q.used & 0xffffffffL) | (v << 32); }
            default -> { }
        }
    }

    private void writeStatus(int v) {
        if (v == 0) {
            reset();
            return;
        }
        if (!legacy && (v & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0) {
            // The driver may only accept what was offered, and a modern transport needs VERSION_1.
            boolean ok = (driverFeatures & ~offered()) == 0 && (driverFeatures & VirtioDevice.F_VERSION_1) != 0;
            if (!ok) v &= ~STATUS_FEATURES_OK;
        }
        status = v | (status & STATUS_NEEDS_RESET);
    }

    private void notifyQueue(int q) {
        if (broken || q < 0 || q >= queues.length || !queues[q].ready) return;
        try {
            device.notify(q);
        } catch (VirtioError e) {
            fail(e);
        }
    }

    /** The device found guest garbage: DEVICE_NEEDS_RESET, a config interrupt, and silence until reset. */
    public void fail(VirtioError e) {
        broken = true;
        lastError = e.getMessage();
        status |= STATUS_NEEDS_RESET;
        interruptStatus |= INT_CONFIG;
        updateIrq();
    }

    /** Whether the device may process requests (not reset-pending). */
    public boolean working() { return device != null && !broken; }

    void interruptUsed() {
        interruptStatus |= INT_USED;
        updateIrq();
    }

    @Override
    public void reset() {
        status = 0;
        interruptStatus = 0;
        queueSel = deviceFeaturesSel = driverFeaturesSel = 0;
        driverFeatures = 0;
        guestPageSize = 4096;
        broken = false;
        for (Virtqueue q : queues) q.reset();
        if (device != null) device.reset();
        updateIrq();
    }

    private void updateIrq() { irq.set(interruptStatus != 0); }

    @Override
    public void save(StateWriter w) {
        w.i32(device == null ? 0 : device.deviceId());
        w.i32(status).i32(interruptStatus).i32(queueSel).i32(deviceFeaturesSel).i32(driverFeaturesSel)
                .i64(driverFeatures).i64(guestPageSize).bool(broken).str(lastError);
        for (Virtqueue q : queues) q.save(w);
        if (device != null) device.save(w);
    }

    @Override
    public void restore(StateReader r) {
        int id = r.i32();
        int mine = device == null ? 0 : device.deviceId();
        if (id != mine) throw new SnapshotException("snapshot has virtio device " + id + " in slot " + slot + " where this machine has " + mine);
        status = r.i32();
        interruptStatus = r.i32();
        queueSel = r.i32();
        deviceFeaturesSel = r.i32();
        driverFeaturesSel = r.i32();
        driverFeatures = r.i64();
        guestPageSize = r.i64();
        broken = r.bool();
        lastError = r.str();
        for (Virtqueue q : queues) q.restore(r);
        if (device != null) device.restore(r);
        updateIrq();
    }
}
