// Serialises machine state for snapshots and hashing: a growable little-endian byte buffer.
package dev.lockstep.emulator.state;

import java.util.Arrays;

/** Append-only writer of primitive state. Allocation only when the buffer grows. */
public final class StateWriter {
    private byte[] buf = new byte[4096];
    private int len;

    private void ensure(int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }

    public StateWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    public StateWriter bool(boolean v) { return u8(v ? 1 : 0); }

    public StateWriter i32(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) buf[len++] = (byte) (v >>> (8 * i));
        return this;
    }

    public StateWriter i64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) buf[len++] = (byte) (v >>> (8 * i));
        return this;
    }

    public StateWriter longs(long[] v) {
        i32(v.length);
        for (long x : v) i64(x);
        return this;
    }

    public StateWriter bytes(byte[] v) { return bytes(v, 0, v.length); }

    public StateWriter bytes(byte[] v, int off, int n) {
        i32(n);
        ensure(n);
        System.arraycopy(v, off, buf, len, n);
        len += n;
        return this;
    }

    public StateWriter str(String s) { return bytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)); }

    public int length() { return len; }

    public byte[] toByteArray() { return Arrays.copyOf(buf, len); }

    /** The internal buffer; valid up to {@link #length()}. */
    byte[] buffer() { return buf; }

    public void clear() { len = 0; }
}
