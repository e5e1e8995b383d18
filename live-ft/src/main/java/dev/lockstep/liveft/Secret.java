// The shared secret of an FT deployment (--secret-file) and the HMAC-SHA256 it keys.
package dev.lockstep.liveft;

import dev.lockstep.emulator.LockstepException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bytes of the secret file (trailing newlines dropped, so `echo word > file` works). Without a file
 * the secret is empty: peers still run the challenge-response, so a peer given a secret refuses one
 * that has none. It authenticates peers and frames; it does not hide them (no encryption).
 */
public final class Secret {
    public static final Secret NONE = new Secret(new byte[0]);
    private final byte[] key;

    private Secret(byte[] key) { this.key = key; }

    public static Secret of(byte[] key) { return new Secret(key.clone()); }

    public static Secret read(Path file) {
        if (file == null) return NONE;
        try {
            byte[] b = Files.readAllBytes(file);
            int n = b.length;
            while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) n--;
            if (n == 0) throw new LockstepException("secret file " + file + " is empty");
            return new Secret(java.util.Arrays.copyOf(b, n));
        } catch (IOException e) {
            throw new LockstepException("cannot read secret file " + file + ": " + e.getMessage(), e);
        }
    }

    /** HMAC-SHA256 under this secret of the parts, each length-prefixed so that no two inputs collide. */
    public byte[] mac(byte[]... parts) { return hmac(key.length == 0 ? new byte[1] : key, parts); }

    static byte[] hmac(byte[] key, byte[]... parts) { return hmac(hmacKeyed(key), parts); }

    /** An HMAC-SHA256 instance keyed with {@code key}, to MAC many messages with (one thread at a time). */
    static Mac hmacKeyed(byte[] key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
        }
    }

    /** The MAC of the parts, each length-prefixed; leaves {@code m} ready for the next message. */
    static byte[] hmac(Mac m, byte[]... parts) {
        for (byte[] p : parts) {
            m.update(new byte[] {(byte) (p.length >>> 24), (byte) (p.length >>> 16), (byte) (p.length >>> 8), (byte) p.length});
            m.update(p);
        }
        return m.doFinal();
    }

    static boolean same(byte[] a, byte[] b) { return MessageDigest.isEqual(a, b); }
}
