// The block: several encoded entries under one CRC32C, stored by the trace as one Chronicle Queue excerpt (docs/trace-format.md, "Blocks").
package dev.lockstep.traceformat;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Layout, little-endian: {@code u32 crc32c} of every byte after it, {@code u64 blockNumber},
 * {@code u64 firstInstret}, {@code u64 lastInstret}, {@code u32 entryCount}, then the entries, the first
 * one's delta taken from {@code firstInstret} (so it is 0). The block number (0, 1, 2... in writing
 * order) lets a reader check that an index led it to the block it asked for: a damaged index that points
 * at another, intact block is then an error rather than silently wrong entries.
 */
final class Block {
    static final int HEADER_BYTES = 32;

    /** The fixed fields of a block whose CRC has been checked. */
    record Header(long number, long firstInstret, long lastInstret, int entryCount) {}

    private Block() {}

    /**
     * Reads and checks a block's fixed fields and CRC, without decoding its entries; {@code expectedNumber}
     * is the block number the caller asked for, or -1 to accept any.
     */
    static Header header(byte[] block, String where, long expectedNumber) {
        ByteSource in = ByteSource.of(block, 0, block.length, where);
        if (block.length < HEADER_BYTES) {
            throw new TraceFormatException(where + " is truncated: it has " + block.length
                    + " bytes, fewer than the " + HEADER_BYTES + " of a block header.");
        }
        int stored = in.u32();
        CRC32C crc = new CRC32C();
        crc.update(block, 4, block.length - 4);
        if ((int) crc.getValue() != stored) {
            throw new TraceFormatException(where + " is corrupted: its CRC32C is " + hex((int) crc.getValue())
                    + " but the block says " + hex(stored) + ".");
        }
        long number = in.u64();
        long first = in.u64();
        long last = in.u64();
        int count = in.u32();
        if (expectedNumber >= 0 && number != expectedNumber) {
            throw new TraceFormatException(where + " is misplaced: the index led to block number "
                    + Long.toUnsignedString(number) + " instead.");
        }
        if (first < 0 || last < first) {
            throw in.corrupt("its instret range " + first + ".." + last + " is not a range");
        }
        if (count <= 0) {
            throw in.corrupt("its entry count " + Integer.toUnsignedString(count) + " is not positive");
        }
        return new Header(number, first, last, count);
    }

    static List<LogEntry> decode(byte[] block, String where, long expectedNumber) {
        Header h = header(block, where, expectedNumber);
        ByteSource in = ByteSource.of(block, HEADER_BYTES, block.length - HEADER_BYTES, where);
        EntryDecoder decoder = new EntryDecoder(h.firstInstret());
        // Each entry takes at least two bytes, so a count beyond that is corruption, not a size to allocate.
        if (h.entryCount() > (block.length - HEADER_BYTES) / 2) {
            throw in.corrupt("its entry count " + h.entryCount() + " does not fit in " + block.length + " bytes");
        }
        List<LogEntry> entries = new ArrayList<>(h.entryCount());
        for (int i = 0; i < h.entryCount(); i++) {
            entries.add(decoder.next(in));
        }
        if (!in.atEnd()) {
            throw in.corrupt(in.remaining() + " bytes follow its " + h.entryCount() + " entries");
        }
        if (entries.get(0).instret() != h.firstInstret() || decoder.lastInstret() != h.lastInstret()) {
            throw in.corrupt("its entries span instret " + entries.get(0).instret() + ".." + decoder.lastInstret()
                    + " but its header says " + h.firstInstret() + ".." + h.lastInstret());
        }
        return entries;
    }

    private static void putU64(byte[] b, int pos, long v) {
        ByteSink.putU32(b, pos, (int) v);
        ByteSink.putU32(b, pos + 4, (int) (v >>> 32));
    }

    static String hex(int v) {
        return String.format("0x%08x", v);
    }

    /** Accumulates entries into one block's bytes, encoding each as it arrives. */
    static final class Builder {
        private final ByteSink bytes = new ByteSink(4096);
        private EntryEncoder encoder;
        private long first;
        private int count;

        Builder() {
            bytes.truncate(HEADER_BYTES);
        }

        /** Encodes one entry into the block; refuses (and leaves the block as it was) an entry that goes back in time. */
        void add(LogEntry e) {
            if (encoder == null) {
                EntryEncoder fresh = new EntryEncoder(e.instret());
                fresh.append(e, bytes);
                encoder = fresh;
                first = e.instret();
            } else {
                encoder.append(e, bytes);
            }
            count++;
        }

        int count() {
            return count;
        }

        /** Bytes the block would take if finished now. */
        int size() {
            return bytes.size();
        }

        /** The finished block; the builder is then empty and ready for the next one. */
        byte[] finish(long number) {
            if (count == 0) {
                throw new IllegalStateException("a block holds at least one entry");
            }
            byte[] b = bytes.toByteArray();
            putU64(b, 4, number);
            putU64(b, 12, first);
            putU64(b, 20, encoder.lastInstret());
            ByteSink.putU32(b, 28, count);
            CRC32C crc = new CRC32C();
            crc.update(b, 4, b.length - 4);
            ByteSink.putU32(b, 0, (int) crc.getValue());
            bytes.truncate(HEADER_BYTES);
            encoder = null;
            count = 0;
            return b;
        }
    }
}
