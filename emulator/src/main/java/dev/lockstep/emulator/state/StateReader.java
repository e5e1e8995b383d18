// Reads back what StateWriter wrote, failing clearly on a short or malformed snapshot.
package dev.lockstep.emulator.state;

import java.nio.charset.StandardCharsets;

/** Sequential reader of a snapshot's state bytes. */
public final class StateReader {
    private final byte[] buf;
    private int pos;

    public StateReader(byte[] buf) { this.buf = buf; }

    private void need(int n) {
        if (n < 0 || pos + n > buf.length) {
            throw new SnapshotException("snapshot state is truncated or corrupt at byte " + pos);
        }
    }

    public int u8() {
        need(1);
        return buf[pos++] & 0xff;
    }

    public boolean bool() { return u8() != 0; }

    public int i32() {
        need(4);
        int v = 0;
        for (int i = 0; i < 4; i++) v |= (buf[pos++] & 0xff) << (8 * i);
        return v;
    }

    public long i64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v |= (buf[pos++] & 0xffL) << (8 * i);
        return v;
    }

    public void longs(long[] into) {
        int n = i32();
        if (n != into.length) throw new SnapshotException("snapshot has " + n + " values where " + into.length + " were expected");
        for (int i = 0; i < n; i++) into[i] = i64();
    }

    public byte[] bytes() {
        int n = i32();
        need(n);
        byte[] v = new byte[n];
        System.arraycopy(buf, pos, v, 0, n);
        pos += n;
        return v;
    }

    public String str() { return new String(bytes(), StandardCharsets.UTF_8); }

    public boolean atEnd() { return pos == buf.length; }
}
