// A client of the kvserver guest that speaks raw Ethernet frames over a dgram wire (docs/network.md).
package dev.lockstep.kvclient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The host end of a kvserver conversation (guests/kvserver.c). The machine's network backend carries
 * whole Ethernet frames, one per UDP datagram, so this client is its own tiny host: it owns a MAC and an
 * IP address on the guest's link, resolves the server's MAC with ARP, and wraps each request line in
 * IPv4/UDP itself, checksums included. Works against lockstep's {@code --netdev dgram} and QEMU's
 * {@code -netdev dgram} alike.
 *
 * <p>Each request carries a fresh id; replies with another id (late duplicates, say after a failover
 * re-sent output) are skipped. A request that gets no reply is sent again, with the same id, every
 * {@link #retryEvery} until {@link #giveUpAfter}: fine for PUT and GET; a DEL whose first reply was lost
 * answers NOTFOUND the second time.
 *
 * <p>An FT pair on two hosts has two machine ends, the primary's {@code --netdev} {@code local} address and
 * the backup's: {@link #connect(List)} takes both. Requests go to the end that answered last; a request
 * left unanswered for {@link #retryEvery} is sent again to the next end, so the client finds the backup
 * once it is live (until then nothing listens there).
 *
 * <p>Thread-safe: several threads may each have a request outstanding, over the one socket (the dgram
 * wire has a single remote address, so several clients would need one socket anyway). Whichever waiting
 * thread holds the receive lock reads the socket for all and hands each reply to the thread that waits
 * for its id; a lone thread reads its own replies, with no hand-off.
 */
public final class KvClient implements AutoCloseable {
    public static final int SERVER_IP = 0x0a00020f; // 10.0.2.15
    public static final int SERVER_PORT = 9000;
    public static final int CLIENT_IP = 0x0a000202; // 10.0.2.2
    public static final int CLIENT_PORT = 40000;
    public static final byte[] CLIENT_MAC = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};

    /**
     * Non-blocking for good, waited on with a selector: a DatagramSocket's timed receive switches its
     * channel to non-blocking and back on every call, four fcntl calls per reply on top of the poll.
     */
    private final DatagramChannel channel;
    private final Selector selector;
    /** The machine ends, and the index of the one requests go to. */
    private volatile List<InetSocketAddress> ends = List.of();
    private final AtomicInteger current = new AtomicInteger();
    /** Frames heard from each end: an end that answered others while a request waited is not given up. */
    private volatile AtomicLongArray heard = new AtomicLongArray(0);
    private volatile byte[] serverMac;
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicInteger ipId = new AtomicInteger();
    private volatile Duration retryEvery = Duration.ofSeconds(1);
    private volatile Duration giveUpAfter = Duration.ofSeconds(60);
    /** Held by the one thread that reads the socket. */
    private final ReentrantLock receiving = new ReentrantLock();
    /** The requests outstanding, by id; a reply is handed to its waiter here. */
    private final ConcurrentHashMap<String, Waiter> waiting = new ConcurrentHashMap<>();

    private static final class Waiter {
        final Thread thread = Thread.currentThread();
        volatile String reply;
    }

    /** Opens the client's end of the wire on a free loopback port. */
    public KvClient() {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** Opens the client's end of the wire at {@code local}: the {@code remote} of the machine's {@code --netdev}. */
    public KvClient(InetSocketAddress local) {
        DatagramChannel c = null;
        Selector s = null;
        try {
            c = DatagramChannel.open();
            c.bind(local);
            c.configureBlocking(false);
            s = Selector.open();
            c.register(s, SelectionKey.OP_READ);
        } catch (IOException e) {
            closeQuietly(s);
            closeQuietly(c);
            throw new UncheckedIOException(e);
        }
        channel = c;
        selector = s;
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException ignored) {
            // already failing: the first error is the one to report
        }
    }

    /** Where the machine's backend must send frames (its {@code remote}). */
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the machine's backend receives frames (its {@code local}). */
    public KvClient connect(InetSocketAddress machineEnd) {
        return connect(List.of(machineEnd));
    }

    /** The machine ends of an FT pair on two hosts: the primary's first; see the class comment. */
    public KvClient connect(List<InetSocketAddress> machineEnds) {
        if (machineEnds.isEmpty()) throw new IllegalArgumentException("no machine end to connect to");
        this.heard = new AtomicLongArray(machineEnds.size());
        this.ends = List.copyOf(machineEnds);
        current.set(0);
        return this;
    }

    public KvClient retryEvery(Duration d) {
        this.retryEvery = d;
        return this;
    }

    public KvClient giveUpAfter(Duration d) {
        this.giveUpAfter = d;
        return this;
    }

    /** The server's MAC, asking by ARP until it answers (it answers once its drivers are up). */
    public byte[] resolve() {
        byte[] known = serverMac;
        if (known != null) return known;
        receiving.lock();
        try {
            if (serverMac != null) return serverMac;
            byte[] request = Frames.arpRequest(CLIENT_MAC, CLIENT_IP, SERVER_IP);
            long deadline = System.nanoTime() + giveUpAfter.toNanos();
            while (System.nanoTime() < deadline) {
                int to = current.get();
                long heardBefore = heard(to);
                send(request, to);
                long until = System.nanoTime() + retryEvery.toNanos();
                byte[] f;
                while ((f = receive(until)) != null) {
                    byte[] mac = Frames.arpReplyFrom(f, SERVER_IP);
                    if (mac != null) {
                        serverMac = mac;
                        return mac;
                    }
                }
                moveOnFrom(to, heardBefore);
            }
            throw new NoReply("no ARP reply from " + Frames.ip(SERVER_IP) + " within " + giveUpAfter);
        } finally {
            receiving.unlock();
        }
    }

    /** Sends {@code "<id> " + command} and returns the reply after its id, e.g. "OK" or "VALUE v". */
    public String request(String command) {
        byte[] mac = resolve();
        String id = Long.toString(nextId.getAndIncrement());
        byte[] payload = (id + " " + command + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] frame = Frames.udp(CLIENT_MAC, mac, CLIENT_IP, SERVER_IP, CLIENT_PORT, SERVER_PORT, payload, ipId.getAndIncrement());
        Waiter w = new Waiter();
        waiting.put(id, w);
        try {
            long deadline = System.nanoTime() + giveUpAfter.toNanos();
            while (System.nanoTime() < deadline) {
                int to = current.get();
                long heardBefore = heard(to);
                send(frame, to);
                if (awaitReply(w, Math.min(deadline, System.nanoTime() + retryEvery.toNanos()))) return w.reply;
                moveOnFrom(to, heardBefore);
            }
            throw new NoReply("no reply to '" + command + "' within " + giveUpAfter);
        } finally {
            waiting.remove(id);
            // A waiter that leaves while nobody reads the socket passes the reading on (see awaitReply).
            if (!receiving.isLocked()) wakeAReader();
        }
    }

    /**
     * Waits until {@code w} has its reply or {@code until} (System.nanoTime) passes. The thread that gets
     * the receive lock reads frames for everyone until its own reply comes; then it unlocks and wakes
     * another waiter to take over. The others park until their reply is handed to them or that wake-up.
     */
    private boolean awaitReply(Waiter w, long until) {
        while (w.reply == null && System.nanoTime() < until) {
            if (receiving.tryLock()) {
                try {
                    byte[] f;
                    while (w.reply == null && (f = receive(until)) != null) dispatch(f);
                } finally {
                    receiving.unlock();
                }
                wakeAReader();
            } else {
                LockSupport.parkNanos(this, until - System.nanoTime());
            }
        }
        return w.reply != null;
    }

    /** Hands a reply to the thread waiting for its id; anything else (late duplicates, other frames) is dropped. */
    private void dispatch(byte[] f) {
        byte[] data = Frames.udpPayload(f, SERVER_IP, SERVER_PORT, CLIENT_IP, CLIENT_PORT);
        if (data == null) return;
        String line = new String(data, StandardCharsets.UTF_8);
        if (line.endsWith("\n")) line = line.substring(0, line.length() - 1);
        int sp = line.indexOf(' ');
        if (sp <= 0) return;
        Waiter x = waiting.get(line.substring(0, sp));
        if (x == null || x.reply != null) return;
        x.reply = line.substring(sp + 1);
        LockSupport.unpark(x.thread);
    }

    /** Wakes one thread still waiting for its reply, so that it takes over reading the socket. */
    private void wakeAReader() {
        for (Waiter x : waiting.values()) {
            if (x.reply == null) {
                LockSupport.unpark(x.thread);
                return;
            }
        }
    }

    public void put(String key, String value) { expect("PUT " + key + " " + value, "OK"); }

    public Optional<String> get(String key) {
        String r = request("GET " + key);
        if (r.equals("NOTFOUND")) return Optional.empty();
        if (r.startsWith("VALUE ")) return Optional.of(r.substring(6));
        throw new IllegalStateException("GET " + key + " answered '" + r + "'");
    }

    /** True if the key was there. */
    public boolean delete(String key) {
        String r = request("DEL " + key);
        if (r.equals("OK")) return true;
        if (r.equals("NOTFOUND")) return false;
        throw new IllegalStateException("DEL " + key + " answered '" + r + "'");
    }

    public void ping() { expect("PING", "PONG"); }

    /** Asks the server to power off; it answers first. */
    public void shutdown() { expect("SHUTDOWN", "OK"); }

    private void expect(String command, String want) {
        String r = request(command);
        if (!r.equals(want)) throw new IllegalStateException(command + " answered '" + r + "', not '" + want + "'");
    }

    /** Sends {@code frame} to machine end {@code i}. */
    private void send(byte[] frame, int i) {
        List<InetSocketAddress> to = ends;
        if (to.isEmpty()) throw new IllegalStateException("connect() the client to the machine's end of the wire first");
        try {
            // A datagram the socket has no room for right now is lost, as on a wire; the request's retry covers it.
            channel.send(ByteBuffer.wrap(frame), to.get(i % to.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long heard(int i) {
        AtomicLongArray h = heard;
        return i < h.length() ? h.get(i) : 0;
    }

    /**
     * No answer came through end {@code i}, silent since {@code heardBefore}: the next request goes to the
     * next end (once, however many waited on {@code i}).
     */
    private void moveOnFrom(int i, long heardBefore) {
        int n = ends.size();
        if (n > 1 && heard(i) == heardBefore) current.compareAndSet(i, (i + 1) % n);
    }

    /** A frame came from {@code from}: if it is one of the machine ends, requests go there from now on. */
    private void heardFrom(java.net.SocketAddress from) {
        List<InetSocketAddress> to = ends;
        if (to.size() < 2) return;
        int i = to.indexOf(from);
        if (i < 0) return;
        AtomicLongArray h = heard;
        if (i < h.length()) h.incrementAndGet(i);
        if (current.get() != i) current.set(i);
    }

    /** The next frame that arrives before {@code deadline} (System.nanoTime), or null. Under the receive lock. */
    private byte[] receive(long deadline) {
        ByteBuffer buf = this.buf;
        try {
            while (true) {
                buf.clear();
                java.net.SocketAddress from = channel.receive(buf);
                if (from != null) {
                    heardFrom(from);
                    buf.flip();
                    byte[] f = new byte[buf.remaining()];
                    buf.get(f);
                    return f;
                }
                long left = (deadline - System.nanoTime() + 999_999) / 1_000_000;
                if (left <= 0) return null;
                selector.select(left);
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final ByteBuffer buf = ByteBuffer.allocateDirect(65536);

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            closeQuietly(channel);
        }
    }

    /** The server did not answer in time. */
    public static final class NoReply extends RuntimeException {
        NoReply(String message) { super(message); }
    }

    /** Ethernet II, ARP and IPv4/UDP frames, built and checked byte by byte (RFC 826, 791, 768). */
    public static final class Frames {
        private Frames() {}

        static final int ETHERTYPE_IP = 0x0800, ETHERTYPE_ARP = 0x0806;
        private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

        public static byte[] arpRequest(byte[] mac, int ip, int target) {
            ByteBuffer b = ByteBuffer.allocate(60); // padded to the Ethernet minimum
            b.put(BROADCAST).put(mac).putShort((short) ETHERTYPE_ARP);
            b.putShort((short) 1).putShort((short) ETHERTYPE_IP).put((byte) 6).put((byte) 4).putShort((short) 1);
            b.put(mac).putInt(ip).put(new byte[6]).putInt(target);
            return b.array();
        }

        /** The sender's MAC if {@code f} is an ARP reply from {@code ip}, else null. */
        public static byte[] arpReplyFrom(byte[] f, int ip) {
            if (f.length < 42) return null;
            ByteBuffer b = ByteBuffer.wrap(f);
            if ((b.getShort(12) & 0xffff) != ETHERTYPE_ARP || b.getShort(20) != 2 || b.getInt(28) != ip) return null;
            return Arrays.copyOfRange(f, 22, 28);
        }

        public static byte[] udp(byte[] srcMac, byte[] dstMac, int srcIp, int dstIp, int srcPort, int dstPort,
                byte[] payload, int id) {
            int udpLen = 8 + payload.length, ipLen = 20 + udpLen;
            ByteBuffer b = ByteBuffer.allocate(Math.max(60, 14 + ipLen));
            b.put(dstMac).put(srcMac).putShort((short) ETHERTYPE_IP);
            b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) id).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) 17).putShort((short) 0).putInt(srcIp).putInt(dstIp);
            b.putShort(24, (short) checksum(0, b.array(), 14, 20));
            b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) udpLen).putShort((short) 0).put(payload);
            int c = checksum(pseudoHeader(srcIp, dstIp, udpLen), b.array(), 34, udpLen);
            b.putShort(40, (short) (c == 0 ? 0xffff : c));
            return b.array();
        }

        /**
         * The payload of {@code f} if it is a well-formed IPv4/UDP frame from srcIp:srcPort to
         * dstIp:dstPort whose checksums hold, else null.
         */
        public static byte[] udpPayload(byte[] f, int srcIp, int srcPort, int dstIp, int dstPort) {
            if (f.length < 42) return null;
            ByteBuffer b = ByteBuffer.wrap(f);
            if ((b.getShort(12) & 0xffff) != ETHERTYPE_IP || (f[14] & 0xf0) != 0x40) return null;
            int ihl = (f[14] & 15) * 4, total = b.getShort(16) & 0xffff;
            if (ihl < 20 || 14 + total > f.length || total < ihl + 8) return null;
            if (checksum(0, f, 14, ihl) != 0 || f[23] != 17) return null;
            if (b.getInt(26) != srcIp || b.getInt(30) != dstIp) return null;
            int u = 14 + ihl, udpLen = b.getShort(u + 4) & 0xffff;
            if ((b.getShort(u) & 0xffff) != srcPort || (b.getShort(u + 2) & 0xffff) != dstPort) return null;
            if (udpLen < 8 || udpLen > total - ihl) return null;
            if (b.getShort(u + 6) != 0 && checksum(pseudoHeader(srcIp, dstIp, udpLen), f, u, udpLen) != 0) return null;
            return Arrays.copyOfRange(f, u + 8, u + udpLen);
        }

        private static int pseudoHeader(int src, int dst, int udpLen) {
            return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 17 + udpLen;
        }

        /** The Internet checksum of f[off, off+len) on top of {@code sum}: 0 when a stored checksum holds. */
        static int checksum(int sum, byte[] f, int off, int len) {
            long s = sum & 0xffffffffL;
            for (int i = 0; i + 1 < len; i += 2) s += ((f[off + i] & 0xff) << 8) | (f[off + i + 1] & 0xff);
            if ((len & 1) != 0) s += (f[off + len - 1] & 0xff) << 8;
            while ((s >>> 16) != 0) s = (s & 0xffff) + (s >>> 16);
            return (int) (~s & 0xffff);
        }

        public static String ip(int a) { return (a >>> 24) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255); }
    }
}
