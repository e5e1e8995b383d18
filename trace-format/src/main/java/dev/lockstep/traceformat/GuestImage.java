// A guest image a trace needs to replay (kernel, firmware, disk...): its bytes embedded in the header, or a reference to a large file.
package dev.lockstep.traceformat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** An image with a name unique in its trace, a free-form role ("kernel", "disk"...), a size and a SHA-256. */
public sealed interface GuestImage {

    String name();

    String role();

    /** Size of the image in bytes. */
    long size();

    /** SHA-256 of the image's bytes. */
    byte[] sha256();

    static Embedded embedded(String name, String role, byte[] bytes) {
        return new Embedded(name, role, bytes);
    }

    /**
     * A reference to {@code file}, recorded with the path as given (relative paths resolve against the
     * trace directory when read) and the file's current size and SHA-256, which reading checks.
     */
    static Referenced reference(String name, String role, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = sha256Digest();
            byte[] buf = new byte[1 << 16];
            long size = 0;
            for (int n; (n = in.read(buf)) > 0; size += n) {
                sha.update(buf, 0, n);
            }
            return new Referenced(name, role, file.toString(), size, sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read guest image " + file, e);
        }
    }

    /** An image whose bytes live in the trace header, zstd-compressed. */
    record Embedded(String name, String role, byte[] bytes) implements GuestImage {
        public Embedded {
            checkNames(name, role);
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public byte[] sha256() {
            return sha256Digest().digest(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Embedded e && e.name.equals(name) && e.role.equals(role) && Arrays.equals(e.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, role) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Embedded[name=" + name + ", role=" + role + ", size=" + bytes.length + "]";
        }
    }

    /** An image too large to embed: the trace records where it is and what it must hash to. */
    record Referenced(String name, String role, String path, long size, byte[] sha256) implements GuestImage {
        public Referenced {
            checkNames(name, role);
            Objects.requireNonNull(path, "path");
            if (size < 0) {
                throw new IllegalArgumentException("image size " + size + " is negative");
            }
            if (sha256.length != 32) {
                throw new IllegalArgumentException("a SHA-256 has 32 bytes, not " + sha256.length);
            }
        }

        @Override
        public byte[] sha256() {
            return sha256.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Referenced r && r.name.equals(name) && r.role.equals(role) && r.path.equals(path)
                    && r.size == size && Arrays.equals(r.sha256, sha256);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, role, path, size) * 31 + Arrays.hashCode(sha256);
        }

        @Override
        public String toString() {
            return "Referenced[name=" + name + ", role=" + role + ", path=" + path + ", size=" + size
                    + ", sha256=" + HexFormat.of().formatHex(sha256) + "]";
        }
    }

    private static void checkNames(String name, String role) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a guest image needs a name");
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
