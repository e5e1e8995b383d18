// A bounds-checked little-endian reader over an array or a stream; every decoding error names its source and byte offset.
package dev.lockstep.traceformat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

abstract class ByteSource {
    /** No string in the format is longer; a longer length is corruption, not a reason to allocate. */
    static final int MAX_STRING_BYTES = 1 << 20;

    private final String where;

    ByteSource(String where) {
        this.where = where;
    }

    static ByteSource of(byte[] b, int off, int len, String where) {
        return new ArraySource(b, off, len, where);
    }

    static ByteSource of(InputStream in, String where) {
        return new StreamSource(in, where);
    }

    /**
     * Where the next byte is: for an array, its index in the array (which is the whole file or block, so
     * errors name real offsets); for a stream, the bytes consumed so far.
     */
    abstract long offset();

    /** Bytes left, or {@link Long#MAX_VALUE} when the source cannot know (a stream). */
    abstract long remaining();

    /** True when no byte is left; on a stream this may block for the next byte. */
    abstract boolean atEnd();

    /** The next byte as 0..255, or -1 at the end of the data. */
    protected abstract int read();

    protected abstract void readInto(byte[] b, int off, int len);

    int u8() {
        int b = read();
        if (b < 0) {
            throw corrupt("the data ends in the middle of a value");
        }
        return b;
    }

    int u16() {
        return u8() | (u8() << 8);
    }

    int u32() {
        return u8() | (u8() << 8) | (u8() << 16) | (u8() << 24);
    }

    long u64() {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) u8() << (8 * i);
        }
        return v;
    }

    long varint() {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = u8();
            if (shift == 63 && b > 1) {
                throw corrupt("a varint overflows 64 bits");
            }
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
    }

    /** A varint that must lie in 0..max; {@code what} names it in the error. */
    int varintInt(String what, int max) {
        long v = varint();
        if (v < 0 || v > max) {
            throw corrupt(what + " " + Long.toUnsignedString(v) + " is out of range 0.." + max);
        }
        return (int) v;
    }

    int zigzag() {
        long v = varint();
        if ((v >>> 32) != 0) {
            throw corrupt("a zigzag int does not fit 32 bits");
        }
        int u = (int) v;
        return (u >>> 1) ^ -(u & 1);
    }

    boolean bool(String what) {
        int b = u8();
        if (b > 1) {
            throw corrupt(what + " flag is " + b + ", not 0 or 1");
        }
        return b == 1;
    }

    byte[] bytes(int len) {
        if (len > remaining()) {
            throw corrupt("a length of " + len + " bytes runs past the end of the data");
        }
        byte[] b = new byte[len];
        readInto(b, 0, len);
        return b;
    }

    String string(String what) {
        int len = varintInt(what + " length", MAX_STRING_BYTES);
        byte[] utf8 = bytes(len);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            throw corrupt(what + " is not valid UTF-8");
        }
    }

    TraceFormatException corrupt(String problem) {
        return new TraceFormatException(where + " is corrupted: " + problem + " at byte offset " + offset() + ".");
    }

    private static final class ArraySource extends ByteSource {
        private final byte[] b;
        private final int end;
        private int pos;

        ArraySource(byte[] b, int off, int len, String where) {
            super(where);
            this.b = b;
            this.pos = off;
            this.end = off + len;
        }

        @Override
        long offset() {
            return pos;
        }

        @Override
        long remaining() {
            return end - pos;
        }

        @Override
        boolean atEnd() {
            return pos == end;
        }

        @Override
        protected int read() {
            return pos < end ? b[pos++] & 0xFF : -1;
        }

        @Override
        protected void readInto(byte[] dst, int off, int len) {
            System.arraycopy(b, pos, dst, off, len);
            pos += len;
        }
    }

    private static final class StreamSource extends ByteSource {
        private final InputStream in;
        private long offset;
        private int peeked = -2;

        StreamSource(InputStream in, String where) {
            super(where);
            this.in = in;
        }

        @Override
        long offset() {
            return offset;
        }

        @Override
        long remaining() {
            return Long.MAX_VALUE;
        }

        @Override
        boolean atEnd() {
            if (peeked == -2) {
                peeked = rawRead();
            }
            return peeked == -1;
        }

        @Override
        protected int read() {
            int b = peeked != -2 ? peeked : rawRead();
            peeked = -2;
            if (b >= 0) {
                offset++;
            }
            return b;
        }

        @Override
        protected void readInto(byte[] dst, int off, int len) {
            int done = 0;
            if (len > 0 && peeked >= 0) {
                dst[off] = (byte) peeked;
                peeked = -2;
                offset++;
                done = 1;
            }
            try {
                while (done < len) {
                    int n = in.read(dst, off + done, len - done);
                    if (n < 0) {
                        throw corrupt("the stream ends " + (len - done) + " bytes short of a " + len + "-byte field");
                    }
                    done += n;
                    offset += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private int rawRead() {
            try {
                return in.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
