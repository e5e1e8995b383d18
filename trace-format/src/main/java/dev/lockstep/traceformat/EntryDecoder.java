// Turns bytes back into log entries: from a stream (the live FT channel), a single entry, or a whole block.
package dev.lockstep.traceformat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Decodes entries written by {@link EntryEncoder}, tracking the previous instret the same way. Bad data
 * is a {@link TraceFormatException} naming the byte offset; it never allocates more than the format's
 * limits allow. Not thread-safe; one decoder per stream.
 */
public final class EntryDecoder {
    private long previous;

    public EntryDecoder() {
        this(0);
    }

    public EntryDecoder(long baseInstret) {
        if (baseInstret < 0) {
            throw new IllegalArgumentException("base instruction number " + baseInstret + " is negative");
        }
        this.previous = baseInstret;
    }

    /** The instret of the last entry decoded (or the base). */
    public long lastInstret() {
        return previous;
    }

    /**
     * The next entry on the stream, or null if the stream ends cleanly before it. A stream that ends
     * inside an entry is a {@link TraceFormatException}.
     */
    public LogEntry read(InputStream in) throws IOException {
        ByteSource source = ByteSource.of(in, "The entry stream");
        try {
            return source.atEnd() ? null : next(source);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Exactly one entry, which must fill {@code bytes}. */
    public LogEntry decode(byte[] bytes) {
        ByteSource source = ByteSource.of(bytes, 0, bytes.length, "The encoded entry");
        LogEntry e = next(source);
        if (!source.atEnd()) {
            throw source.corrupt(source.remaining() + " bytes follow the entry");
        }
        return e;
    }

    /**
     * The entries of a block made by {@link EntryEncoder#encodeBlock}, after checking its CRC, its shape
     * and that it is block number {@code expectedBlockNumber}.
     */
    public static List<LogEntry> decodeBlock(long expectedBlockNumber, byte[] block) {
        if (expectedBlockNumber < 0) {
            throw new IllegalArgumentException("block numbers start at 0, not " + expectedBlockNumber);
        }
        return Block.decode(block, "Block " + expectedBlockNumber, expectedBlockNumber);
    }

    LogEntry next(ByteSource in) {
        long delta = in.varint();
        long instret = previous + delta;
        if (delta < 0 || instret < 0) {
            throw in.corrupt("an instret delta of " + Long.toUnsignedString(delta) + " overflows the instruction count");
        }
        int code = in.u8();
        EntryType type = EntryType.ofCode(code);
        if (type == null) {
            throw in.corrupt("entry type code " + code + " is unknown");
        }
        LogEntry entry = type.readBody(instret, in);
        previous = instret;
        return entry;
    }
}
