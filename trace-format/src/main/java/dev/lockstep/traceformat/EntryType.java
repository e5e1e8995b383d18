// The table of log entry types: each type's stable one-byte code and its body encoding, in one place (docs/trace-format.md §Entries).
package dev.lockstep.traceformat;

import dev.lockstep.traceformat.LogEntry.Checkpoint;
import dev.lockstep.traceformat.LogEntry.Clock;
import dev.lockstep.traceformat.LogEntry.ConsoleIn;
import dev.lockstep.traceformat.LogEntry.DiskDone;
import dev.lockstep.traceformat.LogEntry.End;
import dev.lockstep.traceformat.LogEntry.Heartbeat;
import dev.lockstep.traceformat.LogEntry.Irq;
import dev.lockstep.traceformat.LogEntry.NetRx;
import dev.lockstep.traceformat.LogEntry.Output;
import dev.lockstep.traceformat.LogEntry.Rng;
import dev.lockstep.traceformat.LogEntry.StateHash;
import dev.lockstep.traceformat.LogEntry.Wall;

/**
 * Every log entry type with its code. An entry is encoded as {@code varint instret delta, u8 code, body};
 * each row below is the body, written and read field by field in the same order. Codes are part of the
 * format: never renumber one, only add.
 */
public enum EntryType {
    CONSOLE_IN(1,
            (e, out) -> Payloads.write(out, ((ConsoleIn) e).bytes()),
            (at, in) -> new ConsoleIn(at, Payloads.read(in))),
    NET_RX(2,
            (e, out) -> Payloads.write(out, ((NetRx) e).frame()),
            (at, in) -> new NetRx(at, Payloads.read(in))),
    DISK_DONE(3,
            (e, out) -> {
                DiskDone d = (DiskDone) e;
                out.varint(d.requestId());
                out.zigzag(d.status());
                Payloads.write(out, d.data());
            },
            (at, in) -> new DiskDone(at, in.varint(), in.zigzag(), Payloads.read(in))),
    RNG(4,
            (e, out) -> Payloads.write(out, ((Rng) e).bytes()),
            (at, in) -> new Rng(at, Payloads.read(in))),
    CLOCK(5,
            (e, out) -> out.varint(((Clock) e).newTimeBase()),
            (at, in) -> new Clock(at, in.varint())),
    WALL(6,
            (e, out) -> out.u64(((Wall) e).value()),
            (at, in) -> new Wall(at, in.u64())),
    IRQ(7,
            (e, out) -> {
                Irq irq = (Irq) e;
                out.varint(irq.line());
                out.u8(irq.level() ? 1 : 0);
            },
            (at, in) -> new Irq(at, in.varintInt("an interrupt line", Integer.MAX_VALUE), in.bool("an interrupt level"))),
    OUTPUT(8,
            (e, out) -> {
                Output o = (Output) e;
                out.u8(o.kind().code());
                out.u64(o.hash());
                out.varint(o.length());
                out.u8(o.bytes() == null ? 0 : 1);
                if (o.bytes() != null) {
                    Payloads.write(out, o.bytes());
                }
            },
            EntryType::readOutput),
    STATE_HASH(9,
            (e, out) -> out.u64(((StateHash) e).hash()),
            (at, in) -> new StateHash(at, in.u64())),
    CHECKPOINT(10,
            (e, out) -> out.varint(((Checkpoint) e).checkpointId()),
            (at, in) -> new Checkpoint(at, in.varint())),
    HEARTBEAT(11,
            (e, out) -> { },
            (at, in) -> new Heartbeat(at)),
    END(12,
            (e, out) -> {
                End end = (End) e;
                out.u8(end.reason().code());
                out.zigzag(end.exitCode());
            },
            EntryType::readEnd);

    private static final EntryType[] BY_CODE = new EntryType[128];

    static {
        for (EntryType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final BodyWriter writer;
    private final BodyReader reader;

    EntryType(int code, BodyWriter writer, BodyReader reader) {
        this.code = code;
        this.writer = writer;
        this.reader = reader;
    }

    /** The byte that names this type in an encoded entry. */
    public int code() {
        return code;
    }

    /** The type with this code, or null when no type has it. */
    static EntryType ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    void writeBody(LogEntry entry, ByteSink out) {
        writer.write(entry, out);
    }

    LogEntry readBody(long instret, ByteSource in) {
        return reader.read(instret, in);
    }

    private static Output readOutput(long at, ByteSource in) {
        int kindCode = in.u8();
        OutputKind kind = OutputKind.ofCode(kindCode);
        if (kind == null) {
            throw in.corrupt("output kind code " + kindCode + " is unknown");
        }
        long hash = in.u64();
        int length = in.varintInt("an output length", Integer.MAX_VALUE);
        byte[] bytes = in.bool("an output-bytes-kept") ? Payloads.read(in) : null;
        if (bytes != null && bytes.length != length) {
            throw in.corrupt("an output of length " + length + " keeps " + bytes.length + " bytes");
        }
        return new Output(at, kind, hash, length, bytes);
    }

    private static End readEnd(long at, ByteSource in) {
        int reasonCode = in.u8();
        EndReason reason = EndReason.ofCode(reasonCode);
        if (reason == null) {
            throw in.corrupt("end reason code " + reasonCode + " is unknown");
        }
        return new End(at, reason, in.zigzag());
    }

    @FunctionalInterface
    private interface BodyWriter {
        void write(LogEntry entry, ByteSink out);
    }

    @FunctionalInterface
    private interface BodyReader {
        LogEntry read(long instret, ByteSource in);
    }
}
