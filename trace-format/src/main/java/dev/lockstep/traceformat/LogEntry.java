// The log entries of DESIGN §2: each non-deterministic input, check and marker, stamped with the instruction number it belongs to.
package dev.lockstep.traceformat;

import java.util.Arrays;
import java.util.Objects;

/**
 * One log entry: an instruction number ({@code instret}, instructions retired since reset) and typed data.
 *
 * <p>Entries holding a {@code byte[]} take ownership of the array and never copy it: these are the
 * guest's I/O payloads on the machine's path, and no one mutates an entry after building it. Their
 * {@code equals} and {@code hashCode} compare contents, so entries compare as values.
 */
public sealed interface LogEntry {

    /** Instructions retired since reset at the boundary where this entry takes effect. */
    long instret();

    EntryType type();

    /** Bytes arrived on the UART. */
    record ConsoleIn(long instret, byte[] bytes) implements LogEntry {
        public ConsoleIn {
            checkInstret(instret);
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public EntryType type() {
            return EntryType.CONSOLE_IN;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ConsoleIn e && e.instret == instret && Arrays.equals(e.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(instret) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "ConsoleIn[instret=" + instret + ", bytes=" + describe(bytes) + "]";
        }
    }

    /** A frame arrived for virtio-net. */
    record NetRx(long instret, byte[] frame) implements LogEntry {
        public NetRx {
            checkInstret(instret);
            Objects.requireNonNull(frame, "frame");
        }

        @Override
        public EntryType type() {
            return EntryType.NET_RX;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NetRx e && e.instret == instret && Arrays.equals(e.frame, frame);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(instret) * 31 + Arrays.hashCode(frame);
        }

        @Override
        public String toString() {
            return "NetRx[instret=" + instret + ", frame=" + describe(frame) + "]";
        }
    }

    /** A virtio-blk request completed; {@code data} is the read data in shared-disk mode and empty otherwise. */
    record DiskDone(long instret, long requestId, int status, byte[] data) implements LogEntry {
        public DiskDone {
            checkInstret(instret);
            Objects.requireNonNull(data, "data");
        }

        @Override
        public EntryType type() {
            return EntryType.DISK_DONE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DiskDone e && e.instret == instret && e.requestId == requestId
                    && e.status == status && Arrays.equals(e.data, data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(instret, requestId, status) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "DiskDone[instret=" + instret + ", requestId=" + requestId + ", status=" + status
                    + ", data=" + describe(data) + "]";
        }
    }

    /** virtio-rng filled a buffer. */
    record Rng(long instret, byte[] bytes) implements LogEntry {
        public Rng {
            checkInstret(instret);
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public EntryType type() {
            return EntryType.RNG;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Rng e && e.instret == instret && Arrays.equals(e.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(instret) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Rng[instret=" + instret + ", bytes=" + describe(bytes) + "]";
        }
    }

    /**
     * Guest time was moved (an idle skip, or a sync to host time): from this instruction on, guest
     * mtime is {@code newTimeBase} ticks (of the CLINT's 10 MHz clock) and advances from there with
     * the instruction count at the nominal rate.
     */
    record Clock(long instret, long newTimeBase) implements LogEntry {
        public Clock {
            checkInstret(instret);
        }

        @Override
        public EntryType type() {
            return EntryType.CLOCK;
        }
    }

    /** The guest read the RTC; {@code value} is what it read, in nanoseconds since the Unix epoch. */
    record Wall(long instret, long value) implements LogEntry {
        public Wall {
            checkInstret(instret);
        }

        @Override
        public EntryType type() {
            return EntryType.WALL;
        }
    }

    /** An external interrupt line changed level for a reason not derived from another entry. */
    record Irq(long instret, int line, boolean level) implements LogEntry {
        public Irq {
            checkInstret(instret);
            if (line < 0) {
                throw new IllegalArgumentException("interrupt line " + line + " is negative");
            }
        }

        @Override
        public EntryType type() {
            return EntryType.IRQ;
        }
    }

    /**
     * The guest emitted output: its hash and length, and optionally the bytes themselves (null when not
     * kept). Not needed to replay; used by the output rule, live divergence checks and trace diffs.
     */
    record Output(long instret, OutputKind kind, long hash, int length, byte[] bytes) implements LogEntry {
        public Output {
            checkInstret(instret);
            Objects.requireNonNull(kind, "kind");
            if (length < 0) {
                throw new IllegalArgumentException("output length " + length + " is negative");
            }
            if (bytes != null && bytes.length != length) {
                throw new IllegalArgumentException("output length " + length + " but " + bytes.length + " bytes kept");
            }
        }

        @Override
        public EntryType type() {
            return EntryType.OUTPUT;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Output e && e.instret == instret && e.kind == kind && e.hash == hash
                    && e.length == length && Arrays.equals(e.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Objects.hash(instret, kind, hash, length) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Output[instret=" + instret + ", kind=" + kind + ", hash=" + Long.toHexString(hash)
                    + ", length=" + length + ", bytes=" + (bytes == null ? "not kept" : describe(bytes)) + "]";
        }
    }

    /** A hash of the whole machine state at this instruction. */
    record StateHash(long instret, long hash) implements LogEntry {
        public StateHash {
            checkInstret(instret);
        }

        @Override
        public EntryType type() {
            return EntryType.STATE_HASH;
        }
    }

    /** A snapshot of the machine at this instruction is stored in the trace's checkpoint store under this id. */
    record Checkpoint(long instret, long checkpointId) implements LogEntry {
        public Checkpoint {
            checkInstret(instret);
        }

        @Override
        public EntryType type() {
            return EntryType.CHECKPOINT;
        }
    }

    /** Live only: nothing happens before this instruction, so a backup may run up to it. */
    record Heartbeat(long instret) implements LogEntry {
        public Heartbeat {
            checkInstret(instret);
        }

        @Override
        public EntryType type() {
            return EntryType.HEARTBEAT;
        }
    }

    /** The session ended at this instruction. */
    record End(long instret, EndReason reason, int exitCode) implements LogEntry {
        public End {
            checkInstret(instret);
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public EntryType type() {
            return EntryType.END;
        }
    }

    private static void checkInstret(long instret) {
        if (instret < 0) {
            throw new IllegalArgumentException("instruction number " + instret + " is negative");
        }
    }

    private static String describe(byte[] b) {
        StringBuilder s = new StringBuilder().append(b.length).append(" bytes");
        if (b.length > 0) {
            s.append(' ');
            for (int i = 0; i < Math.min(b.length, 16); i++) {
                s.append(Character.forDigit((b[i] >> 4) & 0xF, 16)).append(Character.forDigit(b[i] & 0xF, 16));
            }
            if (b.length > 16) {
                s.append("...");
            }
        }
        return s.toString();
    }
}
