// Turns log entries into bytes: one at a time onto a stream (the live FT channel) or many at once into a CRC-protected block (the trace).
package dev.lockstep.traceformat;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Encodes entries in order. Each entry's instret is written as the unsigned delta from the previous
 * entry's (the first from the base given at construction), so an entry that goes back in time is refused.
 * Not thread-safe; one encoder per stream.
 */
public final class EntryEncoder {
    private final ByteSink scratch = new ByteSink();
    private long previous;

    /** An encoder whose first entry's delta is taken from instret 0. */
    public EntryEncoder() {
        this(0);
    }

    public EntryEncoder(long baseInstret) {
        if (baseInstret < 0) {
            throw new IllegalArgumentException("base instruction number " + baseInstret + " is negative");
        }
        this.previous = baseInstret;
    }

    /** The instret the next entry's delta is taken from. */
    public long lastInstret() {
        return previous;
    }

    /** The bytes of one entry. */
    public byte[] encode(LogEntry entry) {
        scratch.clear();
        append(entry, scratch);
        return scratch.toByteArray();
    }

    /** Writes one entry to a stream; the encoding is self-delimiting, so entries can follow each other. */
    public void write(LogEntry entry, OutputStream out) throws IOException {
        scratch.clear();
        append(entry, scratch);
        scratch.writeTo(out);
    }

    /**
     * A block holding these entries (at least one, in non-decreasing instret order): the unit a trace
     * stores as one Chronicle Queue excerpt. {@code blockNumber} counts blocks from 0 in their stream, so
     * a reader can tell a lost, repeated or misplaced block. See docs/trace-format.md, "Blocks".
     */
    public static byte[] encodeBlock(long blockNumber, List<? extends LogEntry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a block holds at least one entry");
        }
        Block.Builder block = new Block.Builder();
        for (LogEntry e : entries) {
            block.add(e);
        }
        return block.finish(blockNumber);
    }

    /** Appends one entry to {@code out}; all or nothing, so a refused entry leaves {@code out} as it was. */
    void append(LogEntry entry, ByteSink out) {
        long instret = entry.instret();
        if (instret < previous) {
            throw new IllegalArgumentException("entry " + entry + " goes back in time: instret " + instret
                    + " comes after instret " + previous + ", and entries must be in non-decreasing instret order");
        }
        int mark = out.size();
        try {
            out.varint(instret - previous);
            out.u8(entry.type().code());
            entry.type().writeBody(entry, out);
        } catch (RuntimeException e) {
            out.truncate(mark);
            throw e;
        }
        previous = instret;
    }
}
