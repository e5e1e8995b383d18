// The trace's header file, byte by byte (docs/trace-format.md, "The header file"): written atomically, checked thoroughly on open.
package dev.lockstep.traceformat;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Layout, little-endian: 8-byte magic {@code "LSTRACE\0"}, {@code u16} format version, {@code u32} body
 * length, the body, and a {@code u32} CRC32C of every byte before it. This framing is the same in every
 * format version, so any lockstep can tell "not a trace", "damaged" and "from a newer lockstep" apart.
 */
final class HeaderFile {
    static final byte[] MAGIC = "LSTRACE\0".getBytes(StandardCharsets.US_ASCII);
    static final int FIXED_BYTES = 14;
    static final int STORAGE_EMBEDDED = 0;
    static final int STORAGE_REFERENCED = 1;
    /** Embedded images are decompressed into memory; larger ones belong in a referenced file. */
    static final long MAX_EMBEDDED_IMAGE_BYTES = 1L << 30;

    private HeaderFile() {}

    static void write(Path file, TraceHeader header) {
        AtomicFiles.write(file, encode(header));
    }

    static byte[] encode(TraceHeader header) {
        ByteSink out = new ByteSink();
        out.bytes(MAGIC);
        out.u16(Trace.FORMAT_VERSION);
        out.u32(0);
        out.string(header.lockstepVersion());
        out.varint(header.machineConfig().size());
        header.machineConfig().forEach((k, v) -> {
            out.string(k);
            out.string(v);
        });
        out.varint(header.images().size());
        for (GuestImage image : header.images()) {
            out.string(image.name());
            out.string(image.role());
            if (image instanceof GuestImage.Embedded e) {
                if (e.bytes().length > MAX_EMBEDDED_IMAGE_BYTES) {
                    throw new IllegalArgumentException("guest image " + e.name() + " is too large to embed; reference it");
                }
                out.u8(STORAGE_EMBEDDED);
                out.varint(e.size());
                out.bytes(e.sha256());
                byte[] frame = Zstd.compress(e.bytes(), Payloads.ZSTD_LEVEL);
                out.varint(frame.length);
                out.bytes(frame);
            } else {
                GuestImage.Referenced r = (GuestImage.Referenced) image;
                out.u8(STORAGE_REFERENCED);
                out.varint(r.size());
                out.bytes(r.sha256());
                out.string(r.path());
            }
        }
        out.setU32(10, out.size() - FIXED_BYTES);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.size());
        out.u32((int) crc.getValue());
        return out.toByteArray();
    }

    static TraceHeader read(Path file) {
        String where = "Trace header " + file;
        byte[] b;
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 8) {
                throw new TraceFormatException(where + " is " + size + " bytes, too large to be a trace header.");
            }
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return decode(b, where);
    }

    static TraceHeader decode(byte[] b, String where) {
        int magicBytes = Math.min(b.length, MAGIC.length);
        if (b.length == 0) {
            throw new TraceFormatException(where + " is empty.");
        }
        if (!Arrays.equals(b, 0, magicBytes, MAGIC, 0, magicBytes)) {
            throw new TraceFormatException(where + " is not a lockstep trace header: it does not start with the \"LSTRACE\" magic.");
        }
        if (b.length < FIXED_BYTES + 4) {
            throw new TraceFormatException(where + " is truncated: it has only " + b.length + " bytes.");
        }
        ByteSource in = ByteSource.of(b, MAGIC.length, b.length - MAGIC.length, where);
        int version = in.u16();
        long bodyLength = Integer.toUnsignedLong(in.u32());
        long expected = FIXED_BYTES + bodyLength + 4;
        if (b.length < expected) {
            throw new TraceFormatException(where + " is truncated: it has " + b.length + " bytes but says it has " + expected + ".");
        }
        if (b.length > expected) {
            throw new TraceFormatException(where + " is corrupted: " + (b.length - expected) + " bytes follow its CRC at byte offset " + expected + ".");
        }
        // Every format version keeps this framing (magic, version, length, trailing CRC32C), so the CRC is
        // checked before the version: a flipped version bit reads as corruption, not as "too new".
        CRC32C crc = new CRC32C();
        crc.update(b, 0, (int) expected - 4);
        int stored = (b[b.length - 4] & 0xFF) | (b[b.length - 3] & 0xFF) << 8 | (b[b.length - 2] & 0xFF) << 16 | (b[b.length - 1] & 0xFF) << 24;
        if ((int) crc.getValue() != stored) {
            throw new TraceFormatException(where + " is corrupted: its CRC32C is " + Block.hex((int) crc.getValue())
                    + " but the file says " + Block.hex(stored) + ".");
        }
        if (version > Trace.FORMAT_VERSION) {
            throw new TraceFormatException(where + " is in trace format version " + version + ", newer than the version "
                    + Trace.FORMAT_VERSION + " this lockstep reads; use a newer lockstep.");
        }
        if (version < Trace.FORMAT_VERSION) {
            throw new TraceFormatException(where + " is in trace format version " + version + ", older than the version "
                    + Trace.FORMAT_VERSION + " this lockstep reads, and no converter exists.");
        }
        return decodeBody(ByteSource.of(b, FIXED_BYTES, (int) bodyLength, where));
    }

    private static TraceHeader decodeBody(ByteSource in) {
        String lockstepVersion = in.string("the lockstep version");
        int configCount = in.varintInt("the machine config entry count", (int) Math.min(in.remaining(), Integer.MAX_VALUE));
        Map<String, String> config = new LinkedHashMap<>();
        for (int i = 0; i < configCount; i++) {
            String key = in.string("a machine config key");
            String value = in.string("a machine config value");
            if (config.put(key, value) != null) {
                throw in.corrupt("machine config key \"" + key + "\" appears twice");
            }
        }
        int imageCount = in.varintInt("the guest image count", (int) Math.min(in.remaining(), Integer.MAX_VALUE));
        List<GuestImage> images = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < imageCount; i++) {
            String name = in.string("a guest image name");
            String role = in.string("a guest image role");
            if (name.isEmpty() || names.contains(name)) {
                throw in.corrupt("guest image name \"" + name + "\" is empty or repeated");
            }
            names.add(name);
            int storage = in.u8();
            long size = in.varint();
            byte[] sha256 = in.bytes(32);
            if (storage == STORAGE_EMBEDDED) {
                if (size < 0 || size > MAX_EMBEDDED_IMAGE_BYTES) {
                    throw in.corrupt("embedded guest image \"" + name + "\" claims " + Long.toUnsignedString(size) + " bytes");
                }
                int frameLength = in.varintInt("a compressed image length", (int) Math.min(in.remaining(), Integer.MAX_VALUE));
                byte[] bytes = Payloads.decompress(in.bytes(frameLength), (int) size, in);
                GuestImage.Embedded image = new GuestImage.Embedded(name, role, bytes);
                if (!Arrays.equals(image.sha256(), sha256)) {
                    throw in.corrupt("embedded guest image \"" + name + "\" does not match its SHA-256");
                }
                images.add(image);
            } else if (storage == STORAGE_REFERENCED) {
                if (size < 0) {
                    throw in.corrupt("referenced guest image \"" + name + "\" claims a negative size");
                }
                images.add(new GuestImage.Referenced(name, role, in.string("a guest image path"), size, sha256));
            } else {
                throw in.corrupt("guest image \"" + name + "\" has unknown storage kind " + storage);
            }
        }
        if (!in.atEnd()) {
            throw in.corrupt(in.remaining() + " unexpected bytes follow the guest images");
        }
        return new TraceHeader(lockstepVersion, config, images);
    }
}
