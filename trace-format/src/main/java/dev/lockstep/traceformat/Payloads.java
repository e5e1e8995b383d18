// How an entry's byte payload is stored: raw when small or incompressible, otherwise as one zstd frame, with a flag saying which.
package dev.lockstep.traceformat;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;

final class Payloads {
    /** Payloads up to this size are never compressed: zstd's frame overhead would eat the gain. */
    static final int COMPRESSION_THRESHOLD = 64;
    /**
     * The largest payload one entry may carry. It bounds what a decoder allocates for a length it reads,
     * and keeps every block well under a quarter of Chronicle's block size, the largest excerpt it takes.
     */
    static final int MAX_PAYLOAD_BYTES = 8 << 20;
    static final int ZSTD_LEVEL = 3;

    /*
     * One zstd context per thread, reused: Zstd.compress and Zstd.decompress set up a fresh context on every
     * call, which for a 100-byte frame costs ~9 and ~7 us against ~1 and ~0.2 us for the work itself; the FT
     * primary, its backup and a recorder code a payload for every frame the guest receives. The frames are
     * the same either way.
     */
    private static final ThreadLocal<ZstdCompressCtx> COMPRESS = ThreadLocal.withInitial(() -> new ZstdCompressCtx().setLevel(ZSTD_LEVEL));
    private static final ThreadLocal<ZstdDecompressCtx> DECOMPRESS = ThreadLocal.withInitial(ZstdDecompressCtx::new);

    private Payloads() {}

    /** Writes {@code varint(length << 1 | z)} and then the raw bytes (z = 0) or {@code varint(clen)} and a zstd frame (z = 1). */
    static void write(ByteSink out, byte[] data) {
        if (data.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("a log entry payload of " + data.length
                    + " bytes exceeds the limit of " + MAX_PAYLOAD_BYTES + " bytes");
        }
        if (data.length > COMPRESSION_THRESHOLD) {
            byte[] frame = COMPRESS.get().compress(data);
            if (frame.length + 3 < data.length) {
                out.varint(((long) data.length << 1) | 1);
                out.varint(frame.length);
                out.bytes(frame);
                return;
            }
        }
        out.varint((long) data.length << 1);
        out.bytes(data);
    }

    static byte[] read(ByteSource in) {
        long head = in.varint();
        long length = head >>> 1;
        if (length > MAX_PAYLOAD_BYTES) {
            throw in.corrupt("a payload length of " + length + " bytes exceeds the limit of " + MAX_PAYLOAD_BYTES);
        }
        if ((head & 1) == 0) {
            return in.bytes((int) length);
        }
        int frameLength = in.varintInt("a compressed payload length", (int) Zstd.compressBound(length));
        byte[] frame = in.bytes(frameLength);
        return decompress(frame, (int) length, in);
    }

    static byte[] decompress(byte[] frame, int length, ByteSource where) {
        byte[] data;
        try {
            data = DECOMPRESS.get().decompress(frame, length);
        } catch (RuntimeException e) {
            throw where.corrupt("a zstd frame does not decode (" + e.getMessage() + ")");
        }
        if (data.length != length) {
            throw where.corrupt("a zstd frame decodes to " + data.length + " bytes instead of " + length);
        }
        return data;
    }
}
