// The payloads of the logging channel's frames: the pairing header, a state transfer, entry batches, acks.
package dev.lockstep.liveft;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.memory.Bus;
import dev.lockstep.traceformat.EntryDecoder;
import dev.lockstep.traceformat.EntryEncoder;
import dev.lockstep.traceformat.LogEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Each record is one frame's payload, with its encoding next to it. */
final class Wire {
    private Wire() {}

    /**
     * Starts a pair: the pair's arbiter key, who the primary is, the first entry's sequence number, the
     * instruction number the stream starts at (0, or a state transfer's), how many disk writes the guest
     * issued before it (the backup numbers the following ones from there, as the primary does), the trace
     * header (machine and images) and the console service address the backup takes over when it goes live.
     */
    record Header(String pairKey, String primaryId, long firstSeq, long instret, long firstWrite, boolean snapshot,
                  byte[] traceHeader, String consoleAddress) {
        byte[] encode() {
            return write(out -> {
                out.writeUTF(pairKey);
                out.writeUTF(primaryId);
                out.writeLong(firstSeq);
                out.writeLong(instret);
                out.writeLong(firstWrite);
                out.writeBoolean(snapshot);
                out.writeInt(traceHeader.length);
                out.write(traceHeader);
                out.writeUTF(consoleAddress);
            });
        }

        static Header decode(byte[] b) throws IOException {
            DataInputStream in = in(b);
            String k = in.readUTF(), p = in.readUTF();
            long seq = in.readLong(), at = in.readLong(), firstWrite = in.readLong();
            boolean snap = in.readBoolean();
            byte[] h = in.readNBytes(in.readInt());
            return new Header(k, p, seq, at, firstWrite, snap, h, in.readUTF());
        }
    }

    /** A machine snapshot for `backup --join`: the core state and the RAM pages that are not all zero. */
    static byte[] snapshot(Machine.Snapshot s) {
        return write(out -> {
            out.writeLong(s.instret());
            out.writeInt(s.core().length);
            out.write(s.core());
            out.writeInt(s.pages().length);
            for (int p = 0; p < s.pages().length; p++) {
                if (s.zeroPage(p)) continue;
                out.writeInt(p);
                out.write(s.pages()[p]);
            }
            out.writeInt(-1);
        });
    }

    static Machine.Snapshot snapshot(byte[] b) throws IOException {
        DataInputStream in = in(b);
        long instret = in.readLong();
        byte[] core = in.readNBytes(in.readInt());
        byte[][] pages = Machine.Snapshot.zeroPages(in.readInt());
        int p;
        while ((p = in.readInt()) >= 0) pages[p] = in.readNBytes(Bus.PAGE_SIZE);
        return new Machine.Snapshot(instret, core, pages);
    }

    /**
     * A batch of entries: the first one's sequence number, how many of the guest's disk writes are durable
     * on the shared disk (all those numbered below it; see {@link Primary#outputRuled}), then the entries in the
     * trace codec.
     */
    static byte[] entries(long firstSeq, long durableWrites, List<LogEntry> entries, EntryEncoder encoder) {
        return write(out -> {
            out.writeLong(firstSeq);
            out.writeLong(durableWrites);
            out.writeInt(entries.size());
            for (LogEntry e : entries) encoder.write(e, out);
        });
    }

    record Batch(long firstSeq, long durableWrites, List<LogEntry> entries) {
        long lastSeq() { return firstSeq + entries.size() - 1; }
    }

    static Batch entries(byte[] b, EntryDecoder decoder) throws IOException {
        DataInputStream in = in(b);
        long first = in.readLong(), durable = in.readLong();
        int n = in.readInt();
        List<LogEntry> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(decoder.read(in));
        return new Batch(first, durable, list);
    }

    /**
     * The backup has persisted every entry up to {@code seq} and replayed up to {@code instret}; {@code
     * caughtUp} once its machine and trace are built and it has replayed what came meanwhile (before, a
     * busy fresh JVM may fall silent for longer than the timeout: see {@link FtOptions#buildingTimeoutMillis}).
     */
    record Ack(long seq, long instret, boolean caughtUp) {
        byte[] encode() {
            return write(out -> {
                out.writeLong(seq);
                out.writeLong(instret);
                out.writeBoolean(caughtUp);
            });
        }

        static Ack decode(byte[] b) throws IOException {
            DataInputStream in = in(b);
            return new Ack(in.readLong(), in.readLong(), in.readBoolean());
        }
    }

    interface Writing {
        void to(DataOutputStream out) throws IOException;
    }

    static byte[] write(Writing w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.to(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static DataInputStream in(byte[] b) { return new DataInputStream(new ByteArrayInputStream(b)); }
}
