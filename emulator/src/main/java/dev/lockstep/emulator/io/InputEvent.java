// Asynchronous input that a driver delivers to the machine at an instruction boundary.
package dev.lockstep.emulator.io;

import java.util.Arrays;

/** An input event. Host threads only queue these; the machine loop delivers them (DESIGN §1). */
public sealed interface InputEvent {
    /** Bytes typed on (or piped into) the console UART. */
    record ConsoleInput(byte[] bytes) implements InputEvent {
        @Override
        public boolean equals(Object o) { return o instanceof ConsoleInput c && Arrays.equals(bytes, c.bytes); }

        @Override
        public int hashCode() { return Arrays.hashCode(bytes); }

        @Override
        public String toString() { return "ConsoleInput[" + bytes.length + " bytes]"; }
    }

    /** Guest time moves to {@code ticks} (an idle skip or a sync to host time). */
    record Clock(long ticks) implements InputEvent {}

    /** An Ethernet frame arrives for virtio-net; it is DMA'd into a receive buffer when delivered. */
    record NetRx(byte[] frame) implements InputEvent {
        @Override
        public boolean equals(Object o) { return o instanceof NetRx n && Arrays.equals(frame, n.frame); }

        @Override
        public int hashCode() { return Arrays.hashCode(frame); }

        @Override
        public String toString() { return "NetRx[" + frame.length + " bytes]"; }
    }

    /**
     * A virtio-blk request finished. {@code status} is the virtio-blk status byte (0 OK, 1 IOERR, 2 UNSUPP).
     * {@code data} is the read data when the disk is shared (the log carries it), or null when it is
     * private to the machine: the device then reads the image itself as the event is delivered.
     */
    record DiskDone(long requestId, int status, byte[] data) implements InputEvent {
        @Override
        public boolean equals(Object o) {
            return o instanceof DiskDone d && requestId == d.requestId && status == d.status && Arrays.equals(data, d.data);
        }

        @Override
        public int hashCode() { return Long.hashCode(requestId) * 31 + status * 7 + Arrays.hashCode(data); }

        @Override
        public String toString() {
            return "DiskDone[" + requestId + ", status " + status + ", " + (data == null ? "no data" : data.length + " bytes") + "]";
        }
    }

    /** Entropy for virtio-rng: the bytes fill the guest's pending buffers in order. */
    record Rng(byte[] bytes) implements InputEvent {
        @Override
        public boolean equals(Object o) { return o instanceof Rng r && Arrays.equals(bytes, r.bytes); }

        @Override
        public int hashCode() { return Arrays.hashCode(bytes); }

        @Override
        public String toString() { return "Rng[" + bytes.length + " bytes]"; }
    }
}
