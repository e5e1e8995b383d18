// One authenticated TCP connection between FT peers (primary, backup, arbiter): a handshake, then MAC'd frames.
package dev.lockstep.liveft;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The handshake is an HMAC challenge-response in both directions: each side sends a fresh 32-byte nonce
 * and proves it knows the secret by MAC'ing both nonces and its role; a session key is derived from
 * the nonces. Every frame is then {@code u8 kind, u32 length, payload, 16-byte MAC}, where the MAC
 * covers the direction and the frame's number in its direction, so a forged, altered, replayed or
 * reordered frame fails the check and the connection is refused with a {@link Refused}.
 *
 * <p>Silence is timed by a watchdog, not by the socket's read timeout: a socket given a timeout (or a timed
 * connect) turns non-blocking for good, and each read then costs a read, a poll and a read again; a
 * blocking socket reads a frame in one system call, which counts on the primary's path to every ack.
 */
public final class Channel implements AutoCloseable {
    /** What a frame carries. */
    public enum Kind {
        HEADER, ENTRIES, ACK, PING, SNAPSHOT, BYE, TAS, HOLDER;

        static Kind of(int code) {
            if (code < 0 || code >= values().length) throw new IllegalArgumentException("frame kind " + code);
            return values()[code];
        }
    }

    public record Frame(Kind kind, byte[] payload) {}

    /** The peer failed authentication, or a frame failed its MAC. The message says which, for the log. */
    public static final class Refused extends IOException {
        Refused(String message) { super(message); }
    }

    private static final byte[] MAGIC = "lockstep-ft-1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAC_BYTES = 16, MAX_FRAME = 1 << 30;
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ft-silence");
        t.setDaemon(true);
        return t;
    });

    private final Socket socket;
    private final Buffered buffered;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final String peer;
    // Keyed once per connection (a provider lookup per frame costs more than the MAC): send is synchronized,
    // and one thread receives.
    private javax.crypto.Mac sendMac, recvMac;
    private final byte[] sendDir, recvDir;
    private long sent, received;

    private Channel(Socket socket, boolean client) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.buffered = new Buffered(new Timed(socket.getInputStream()));
        this.in = new DataInputStream(buffered);
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
        this.peer = socket.getRemoteSocketAddress().toString().replaceFirst("^[^/]*/", "");
        this.sendDir = new byte[] {(byte) (client ? 'c' : 's')};
        this.recvDir = new byte[] {(byte) (client ? 's' : 'c')};
    }

    /** Connects to {@code address} and authenticates as {@code role} within {@code timeoutMillis}. */
    public static Channel connect(InetSocketAddress address, Secret secret, String role, int timeoutMillis) throws IOException {
        Socket s = new Socket();
        // Untimed, so that the socket stays blocking; the watchdog closes it if the peer does not answer.
        ScheduledFuture<?> abort = WATCHDOG.schedule(() -> closeQuietly(s), timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            s.connect(address);
        } catch (IOException e) {
            s.close();
            if (abort.isDone()) throw new SocketTimeoutException("connect to " + address + " timed out");
            throw e;
        } finally {
            abort.cancel(false);
        }
        Channel c = null;
        try {
            c = new Channel(s, true);
            c.silenceTimeout(timeoutMillis);
            c.clientHandshake(secret, role);
            return c;
        } catch (IOException | RuntimeException e) {
            if (c != null) c.close(); // its watchdog too
            else s.close();
            throw e;
        }
    }

    /** Authenticates a peer that connected to us; closes the socket if it fails. */
    public static Channel accept(Socket s, Secret secret, int timeoutMillis) throws IOException {
        Channel c = null;
        try {
            c = new Channel(s, false);
            c.silenceTimeout(timeoutMillis);
            c.serverHandshake(secret);
            return c;
        } catch (IOException | RuntimeException e) {
            if (c != null) c.close(); // its watchdog too
            else s.close();
            throw e;
        }
    }

    public String peer() { return peer; }

    /**
     * A read that sees nothing for this long fails with {@link SocketTimeoutException}: channel silence.
     * It applies from the handshake on ({@code timeoutMillis} of connect and accept) until changed.
     */
    public synchronized void silenceTimeout(int millis) {
        silenceNanos = millis * 1_000_000L;
        if (watch != null) watch.cancel(false);
        long period = Math.max(1, Math.min(millis / 10, 50)); // detection within 10% of the timeout, at most 50 ms late
        watch = WATCHDOG.scheduleAtFixedRate(this::watch, period, period, TimeUnit.MILLISECONDS);
    }

    private volatile long silenceNanos, readSince;
    private volatile boolean reading, silent;
    private ScheduledFuture<?> watch;

    private void watch() {
        if (reading && System.nanoTime() - readSince > silenceNanos) {
            silent = true;
            close();
        }
    }

    /** The socket's stream, with each read timed for the watchdog; a read it ended is a timeout. */
    private final class Timed extends FilterInputStream {
        Timed(InputStream in) { super(in); }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            readSince = System.nanoTime();
            reading = true;
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                if (silent) throw new SocketTimeoutException("silent for " + silenceNanos / 1_000_000 + " ms");
                throw e;
            } finally {
                reading = false;
            }
        }
    }

    /** Knows how many bytes it holds already, without asking the socket (a system call). */
    private static final class Buffered extends BufferedInputStream {
        Buffered(InputStream in) { super(in, 1 << 16); }

        synchronized int buffered() { return count - pos; }
    }

    private void clientHandshake(Secret secret, String role) throws IOException {
        byte[] nc = nonce();
        out.write(MAGIC);
        writeBytes(role.getBytes(StandardCharsets.UTF_8));
        out.write(nc);
        out.flush();
        byte[] ns = in.readNBytes(32);
        byte[] proof = in.readNBytes(32);
        if (ns.length < 32 || proof.length < 32) throw new EOFException("the peer closed the connection during the handshake");
        if (!Secret.same(proof, secret.mac(b("server"), nc, ns))) {
            throw new Refused("refused " + peer + ": it failed the challenge (wrong secret, or not a lockstep peer)");
        }
        out.write(secret.mac(b("client"), b(role), nc, ns));
        out.flush();
        int ok = in.read();
        if (ok != 1) throw new Refused("refused by " + peer + ": it did not accept our proof (wrong secret?)");
        keyFrames(secret.mac(b("session"), nc, ns));
    }

    private void keyFrames(byte[] sessionKey) {
        sendMac = Secret.hmacKeyed(sessionKey);
        recvMac = Secret.hmacKeyed(sessionKey);
    }

    private void serverHandshake(Secret secret) throws IOException {
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!java.util.Arrays.equals(magic, MAGIC)) throw new Refused("refused " + peer + ": not a lockstep FT peer");
        byte[] role = readBytes(64);
        byte[] nc = in.readNBytes(32);
        byte[] ns = nonce();
        out.write(ns);
        out.write(secret.mac(b("server"), nc, ns));
        out.flush();
        byte[] proof = in.readNBytes(32);
        if (proof.length < 32 || !Secret.same(proof, secret.mac(b("client"), role, nc, ns))) {
            out.write(0);
            out.flush();
            throw new Refused("refused " + peer + " (" + new String(role, StandardCharsets.UTF_8)
                    + "): it failed the challenge (wrong secret)");
        }
        out.write(1);
        out.flush();
        keyFrames(secret.mac(b("session"), nc, ns));
        peerRole = new String(role, StandardCharsets.UTF_8);
    }

    private String peerRole;

    /** The role the peer announced ("primary", "backup", "join", "client"), on the accepting side. */
    public String peerRole() { return peerRole; }

    /** Sends one frame. Thread-safe: frames from several threads are not interleaved. */
    public synchronized void send(Kind kind, byte[] payload) throws IOException {
        out.writeByte(kind.ordinal());
        out.writeInt(payload.length);
        out.write(payload);
        out.write(frameMac(sendMac, sendDir, sent++, kind, payload));
        out.flush();
    }

    /** Whether bytes of another frame are in this process already (so {@link #receive} would not wait for the network). */
    public boolean hasBuffered() { return buffered.buffered() > 0; }

    /** How many bytes could be read without waiting: those in this process and the socket's (one system call). */
    public int available() throws IOException { return in.available(); }

    /** Reads the next frame; {@link SocketTimeoutException} after the silence timeout, {@link Refused} on a bad MAC. */
    public Frame receive() throws IOException {
        int k = in.read();
        if (k < 0) throw new EOFException("the peer " + peer + " closed the channel");
        int len = in.readInt();
        if (len < 0 || len > MAX_FRAME) throw new Refused("refused frame from " + peer + ": bad length " + len);
        byte[] payload = new byte[len];
        in.readFully(payload);
        byte[] mac = new byte[MAC_BYTES];
        in.readFully(mac);
        Kind kind;
        try {
            kind = Kind.of(k);
        } catch (IllegalArgumentException e) {
            throw new Refused("refused frame from " + peer + ": unknown kind " + k);
        }
        if (!Secret.same(mac, frameMac(recvMac, recvDir, received, kind, payload))) {
            throw new Refused("refused frame " + received + " from " + peer + ": its MAC does not match (forged, altered or replayed)");
        }
        received++;
        return new Frame(kind, payload);
    }

    private static byte[] frameMac(javax.crypto.Mac mac, byte[] dir, long number, Kind kind, byte[] payload) {
        byte[] full = Secret.hmac(mac, dir, ByteBuffer.allocate(9).putLong(number).put((byte) kind.ordinal()).array(), payload);
        return java.util.Arrays.copyOf(full, MAC_BYTES);
    }

    private void writeBytes(byte[] b) throws IOException {
        out.writeShort(b.length);
        out.write(b);
    }

    private byte[] readBytes(int max) throws IOException {
        int n = in.readUnsignedShort();
        if (n > max) throw new Refused("refused " + peer + ": bad handshake");
        return in.readNBytes(n);
    }

    private static byte[] nonce() {
        byte[] n = new byte[32];
        RANDOM.nextBytes(n);
        return n;
    }

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Override
    public void close() {
        synchronized (this) {
            if (watch != null) watch.cancel(false);
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
