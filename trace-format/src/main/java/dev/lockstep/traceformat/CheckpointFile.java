// One checkpoint file, byte by byte (docs/trace-format.md, "Checkpoints"): a fixed header, one zstd frame of state and pages, a CRC32C.
package dev.lockstep.traceformat;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * Layout, little-endian: 56-byte header ({@code "LSCHKPT\0"}, u16 version, u8 kind, u8 0, u64 id,
 * u64 instret, u64 baseId, u32 pageSize, u64 ramSize, u32 storedPages, u32 stateLength), then one zstd
 * frame holding the machine state and {@code storedPages} times (u32 page index, page bytes), then a u32
 * CRC32C of everything before it. Pages are streamed in and out one at a time: RAM is never copied whole.
 */
final class CheckpointFile {
    static final byte[] MAGIC = "LSCHKPT\0".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = 56;
    static final int KIND_FULL = 0;
    static final int KIND_DELTA = 1;
    static final int MAX_PAGE_SIZE = 1 << 24;

    /** The fixed fields of a checkpoint file. */
    record Header(long id, long instret, long baseId, int pageSize, long ramSize, int storedPages, int stateLength) {
        boolean full() {
            return baseId == 0;
        }

        int pageCount() {
            return (int) (ramSize / pageSize);
        }
    }

    /** Receives a file's parts as it is read: first its header, then its pages (the page array is reused between calls). */
    interface Reader {
        void header(Header h);

        void page(int index, byte[] content);
    }

    private CheckpointFile() {}

    static String fileName(long id) {
        return String.format("%010d.ckpt", id);
    }

    /** Writes a checkpoint to {@code file} through a temporary file, so a crash never leaves half a checkpoint under its name. */
    static void write(Path file, Header h, byte[] machineState, IntFunction<byte[]> pageContent, int[] pages) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            OutputStream raw = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            CRC32C crc = new CRC32C();
            CheckedOutputStream checked = new CheckedOutputStream(raw, crc);
            ByteSink head = new ByteSink(HEADER_BYTES);
            head.bytes(MAGIC);
            head.u16(Trace.FORMAT_VERSION);
            head.u8(h.full() ? KIND_FULL : KIND_DELTA);
            head.u8(0);
            head.u64(h.id());
            head.u64(h.instret());
            head.u64(h.baseId());
            head.u32(h.pageSize());
            head.u64(h.ramSize());
            head.u32(h.storedPages());
            head.u32(h.stateLength());
            head.writeTo(checked);
            try (ZstdOutputStream z = new ZstdOutputStream(new FilterOutputStream(checked) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush(); // ends the zstd frame without closing the file under it
                }
            }, Payloads.ZSTD_LEVEL)) {
                z.write(machineState);
                byte[] index = new byte[4];
                for (int p : pages) {
                    byte[] content = pageContent.apply(p);
                    if (content == null || content.length != h.pageSize()) {
                        throw new IllegalArgumentException("page " + p + " content must be " + h.pageSize() + " bytes, not "
                                + (content == null ? "null" : content.length));
                    }
                    ByteSink.putU32(index, 0, p);
                    z.write(index);
                    z.write(content);
                }
            }
            byte[] trailer = new byte[4];
            ByteSink.putU32(trailer, 0, (int) crc.getValue());
            raw.write(trailer);
            raw.flush();
            ch.force(true);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write checkpoint " + file, e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        AtomicFiles.publish(tmp, file);
    }

    /** Reads only the fixed header, trusting nothing beyond its own sanity checks (the CRC covers the whole file). */
    static Header readHeader(Path file, String where) {
        byte[] b = new byte[HEADER_BYTES];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw new TraceFormatException(where + " is truncated: it has only " + ch.size() + " bytes.");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return parseHeader(b, where);
    }

    private static Header parseHeader(byte[] b, String where) {
        if (!Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new TraceFormatException(where + " is not a lockstep checkpoint: it does not start with the \"LSCHKPT\" magic.");
        }
        ByteSource in = ByteSource.of(b, MAGIC.length, HEADER_BYTES - MAGIC.length, where);
        int version = in.u16();
        if (version != Trace.FORMAT_VERSION) {
            throw new TraceFormatException(where + " is in trace format version " + version + ", but this lockstep reads version "
                    + Trace.FORMAT_VERSION + ".");
        }
        int kind = in.u8();
        in.u8();
        long id = in.u64();
        long instret = in.u64();
        long baseId = in.u64();
        int pageSize = in.u32();
        long ramSize = in.u64();
        int storedPages = in.u32();
        int stateLength = in.u32();
        if (kind != KIND_FULL && kind != KIND_DELTA || (kind == KIND_FULL) != (baseId == 0)) {
            throw in.corrupt("kind " + kind + " does not agree with base checkpoint " + baseId);
        }
        if (id <= 0 || instret < 0 || baseId < 0 || baseId >= id || pageSize <= 0 || pageSize > MAX_PAGE_SIZE
                || ramSize < 0 || ramSize % pageSize != 0 || ramSize / pageSize > Integer.MAX_VALUE
                || storedPages < 0 || storedPages > ramSize / pageSize || stateLength < 0
                || kind == KIND_FULL && storedPages != ramSize / pageSize) {
            throw in.corrupt("its header fields are inconsistent");
        }
        return new Header(id, instret, baseId, pageSize, ramSize, storedPages, stateLength);
    }

    /**
     * Reads a whole checkpoint file: verifies its CRC first (so nothing damaged is ever parsed or
     * decompressed), then hands its header and its pages to {@code reader} and returns the machine state.
     */
    static byte[] read(Path file, String where, Reader reader) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES + 4) {
                throw new TraceFormatException(where + " is truncated: it has only " + size + " bytes.");
            }
            verifyCrc(ch, size, where);
            byte[] head = new byte[HEADER_BYTES];
            ch.read(ByteBuffer.wrap(head), 0);
            Header h = parseHeader(head, where);
            reader.header(h);
            ch.position(HEADER_BYTES);
            InputStream frame = new BoundedInputStream(Channels.newInputStream(ch), size - HEADER_BYTES - 4);
            try (InputStream z = new BufferedInputStream(new ZstdInputStream(frame), 1 << 16)) {
                ByteSource in = ByteSource.of(z, where + "'s compressed body");
                byte[] state = in.bytes(h.stateLength());
                byte[] page = new byte[h.pageSize()];
                int previous = -1;
                for (int i = 0; i < h.storedPages(); i++) {
                    int index = in.u32();
                    if (index <= previous || index >= h.pageCount()) {
                        throw in.corrupt("page index " + Integer.toUnsignedString(index) + " is out of order or out of range");
                    }
                    previous = index;
                    in.readInto(page, 0, page.length);
                    reader.page(index, page);
                }
                if (!in.atEnd()) {
                    throw in.corrupt("data follows the last page");
                }
                return state;
            }
        } catch (IOException | UncheckedIOException e) {
            // The CRC matched, so a zstd failure here means a writer bug rather than a flipped bit; say so plainly.
            throw new TraceFormatException(where + " cannot be decompressed (" + e.getMessage() + ").", e);
        }
    }

    private static void verifyCrc(FileChannel ch, long size, String where) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        long pos = 0;
        long end = size - 4;
        while (pos < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new TraceFormatException(where + " is truncated at byte offset " + pos + ".");
            }
            buf.flip();
            crc.update(buf);
            pos += n;
        }
        ByteBuffer trailer = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        ch.read(trailer, end);
        int stored = trailer.getInt(0);
        if ((int) crc.getValue() != stored) {
            throw new TraceFormatException(where + " is corrupted: its CRC32C is " + Block.hex((int) crc.getValue())
                    + " but the file says " + Block.hex(stored) + ".");
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // Only a temporary file; readers never look at it.
        }
    }

    /** Lets the zstd reader see exactly the frame, not the CRC after it. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
