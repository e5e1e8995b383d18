// A growable little-endian byte buffer with LEB128 varints: the one writer behind every encoding in the trace format.
package dev.lockstep.traceformat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

final class ByteSink {
    private byte[] buf;
    private int size;

    ByteSink() {
        this(256);
    }

    ByteSink(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    int size() {
        return size;
    }

    /** Forgets everything after {@code mark}; used to undo a half-written entry. */
    void truncate(int mark) {
        size = mark;
    }

    void clear() {
        size = 0;
    }

    void u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
    }

    void u16(int v) {
        ensure(2);
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
    }

    void u32(int v) {
        ensure(4);
        putU32(buf, size, v);
        size += 4;
    }

    void u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
    }

    /** Unsigned LEB128: seven bits a byte, low bits first, high bit set on every byte but the last. */
    void varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    /** A signed int as a zigzag varint, so small negative numbers stay short. */
    void zigzag(int v) {
        varint(Integer.toUnsignedLong((v << 1) ^ (v >> 31)));
    }

    void bytes(byte[] b) {
        bytes(b, 0, b.length);
    }

    void bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    /** A string as a varint byte count and its UTF-8 bytes. */
    void string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        varint(utf8.length);
        bytes(utf8);
    }

    void setU32(int pos, int v) {
        putU32(buf, pos, v);
    }

    /** The backing array; valid up to {@link #size()} until the next write. */
    byte[] array() {
        return buf;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, size);
    }

    static void putU32(byte[] b, int pos, int v) {
        b[pos] = (byte) v;
        b[pos + 1] = (byte) (v >>> 8);
        b[pos + 2] = (byte) (v >>> 16);
        b[pos + 3] = (byte) (v >>> 24);
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            long wanted = Math.max((long) buf.length * 2, (long) size + more);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("encoded data would exceed 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) wanted);
        }
    }
}
