// KvClient against a scripted server on the wire: concurrent requests, retries with the same id, duplicate replies.
package dev.lockstep.kvclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class KvClientTest {
    private static final byte[] SERVER_MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    /** What the server does with a request line ("id GET k"), the how-manieth copy of its id it is, and its reply ("id VALUE k"). */
    private interface Script {
        void request(String line, int copy, Runnable reply);
    }

    /** Answers ARP, and hands each request to a {@link Script}. */
    private static final class Wire implements AutoCloseable {
        final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final Map<String, AtomicInteger> copiesSeen = new ConcurrentHashMap<>();
        /** Frames received, ARP included. */
        final AtomicInteger frames = new AtomicInteger();
        /** Down: frames are counted and dropped, as by a dead machine's end (or a backup's, until it is live). */
        volatile boolean down;
        private final Thread thread;
        private InetSocketAddress client;

        Wire(Script script) throws IOException {
            thread = new Thread(() -> {
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                    } catch (IOException e) {
                        return;
                    }
                    frames.incrementAndGet();
                    if (down) continue;
                    client = (InetSocketAddress) p.getSocketAddress();
                    byte[] f = java.util.Arrays.copyOf(p.getData(), p.getLength());
                    if ((ByteBuffer.wrap(f).getShort(12) & 0xffff) == 0x0806) {
                        send(arpReply());
                        continue;
                    }
                    byte[] data = KvClient.Frames.udpPayload(f, KvClient.CLIENT_IP, KvClient.CLIENT_PORT, KvClient.SERVER_IP, KvClient.SERVER_PORT);
                    if (data == null) continue;
                    String line = new String(data, StandardCharsets.UTF_8).trim();
                    String id = line.substring(0, line.indexOf(' '));
                    int copy = copiesSeen.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    String key = line.substring(line.lastIndexOf(' ') + 1);
                    script.request(line, copy, () -> send(KvClient.Frames.udp(SERVER_MAC, KvClient.CLIENT_MAC, KvClient.SERVER_IP,
                            KvClient.CLIENT_IP, KvClient.SERVER_PORT, KvClient.CLIENT_PORT,
                            (id + " VALUE " + key + "\n").getBytes(StandardCharsets.UTF_8), 0)));
                }
            }, "fake-kvserver");
            thread.setDaemon(true);
            thread.start();
        }

        InetSocketAddress address() { return (InetSocketAddress) socket.getLocalSocketAddress(); }

        private void send(byte[] frame) {
            try {
                socket.send(new DatagramPacket(frame, frame.length, client));
            } catch (IOException e) {
                // the test ended
            }
        }

        private static byte[] arpReply() {
            ByteBuffer b = ByteBuffer.allocate(60);
            b.put(KvClient.CLIENT_MAC).put(SERVER_MAC).putShort((short) 0x0806);
            b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 2);
            b.put(SERVER_MAC).putInt(KvClient.SERVER_IP).put(KvClient.CLIENT_MAC).putInt(KvClient.CLIENT_IP);
            return b.array();
        }

        @Override
        public void close() { socket.close(); }
    }

    private static List<String> getFromThreads(KvClient c, int threads, int each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                all.add(pool.submit(() -> {
                    List<String> got = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        String key = "t" + me + "-" + i;
                        String value = c.get(key).orElseThrow();
                        if (!value.equals(key)) throw new AssertionError("asked " + key + ", got the answer to " + value);
                        got.add(value);
                    }
                    return got;
                }));
            }
            List<String> out = new ArrayList<>();
            for (Future<List<String>> f : all) out.addAll(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void threadsWithRequestsOutstandingAtOnceEachGetTheAnswerToTheirOwn() throws Exception {
        // Answers every second request only with the next one, so that answers come back out of order.
        Runnable[] parked = new Runnable[1];
        try (Wire wire = new Wire((line, copy, reply) -> {
            synchronized (parked) {
                if (parked[0] == null) {
                    parked[0] = reply;
                    return;
                }
                reply.run();
                parked[0].run();
                parked[0] = null;
            }
        }); KvClient c = new KvClient().retryEvery(Duration.ofMillis(100))) {
            c.connect(wire.address());
            assertThat(getFromThreads(c, 8, 50)).hasSize(400).doesNotHaveDuplicates();
        }
    }

    @Test
    void aRequestWithoutAnswerIsSentAgainWithTheSameIdAndALateDuplicateAnswerIsIgnored() throws Exception {
        // Drops the first copy of every request and answers the second one twice.
        try (Wire wire = new Wire((line, copy, reply) -> {
            if (copy >= 2) {
                reply.run();
                reply.run();
            }
        }); KvClient c = new KvClient().retryEvery(Duration.ofMillis(50))) {
            c.connect(wire.address());
            assertThat(getFromThreads(c, 4, 10)).hasSize(40).doesNotHaveDuplicates();
            assertThat(wire.copiesSeen).hasSize(40); // one id per request, kept across its copies
            assertThat(wire.copiesSeen.values()).allSatisfy(n -> assertThat(n.get()).isGreaterThanOrEqualTo(2));
        }
    }

    @Test
    @Timeout(30) // a hang guard: a wait that ignores its deadline blocks for good
    void aServerThatNeverAnswersEndsInNoReplyAfterTheRetries() throws Exception {
        // The server answers ARP but no request: the client sends it again every retry, then gives up.
        try (Wire wire = new Wire((line, copy, reply) -> { });
                KvClient c = new KvClient().retryEvery(Duration.ofMillis(40)).giveUpAfter(Duration.ofMillis(300))) {
            c.connect(wire.address());
            assertThatThrownBy(c::ping).isInstanceOf(KvClient.NoReply.class).hasMessageContaining("no reply to 'PING'");
            assertThat(wire.copiesSeen).hasSize(1);
            assertThat(wire.copiesSeen.values()).allSatisfy(n -> assertThat(n.get()).isGreaterThanOrEqualTo(2));
        }
    }

    @Test
    void withTwoMachineEndsTheClientMovesToTheOneThatAnswersAndStaysThere() throws Exception {
        // An FT pair on two hosts: the first end is silent (its primary died), the second answers.
        try (Wire dead = new Wire((line, copy, reply) -> reply.run()); Wire live = new Wire((line, copy, reply) -> reply.run());
                KvClient c = new KvClient().retryEvery(Duration.ofMillis(50)).giveUpAfter(Duration.ofSeconds(10))) {
            dead.down = true;
            c.connect(List.of(dead.address(), live.address()));
            for (int i = 0; i < 20; i++) assertThat(c.get("k" + i)).contains("k" + i);
            assertThat(dead.frames.get()).isEqualTo(1); // the first ARP request only: then the live end, heard from, is kept
            assertThat(live.copiesSeen).hasSize(20);
        }
    }

    @Test
    void whenTheAnsweringEndFallsSilentTheClientFindsTheOtherOne() throws Exception {
        // The primary answers, dies; the backup, live now, answers at its own address.
        try (Wire primary = new Wire((line, copy, reply) -> reply.run()); Wire backup = new Wire((line, copy, reply) -> reply.run());
                KvClient c = new KvClient().retryEvery(Duration.ofMillis(50)).giveUpAfter(Duration.ofSeconds(10))) {
            backup.down = true;
            c.connect(List.of(primary.address(), backup.address()));
            for (int i = 0; i < 10; i++) assertThat(c.get("a" + i)).contains("a" + i);
            assertThat(backup.frames.get()).isZero();
            primary.down = true;
            backup.down = false;
            for (int i = 0; i < 10; i++) assertThat(c.get("b" + i)).contains("b" + i);
            assertThat(primary.frames.get()).isEqualTo(12); // ARP, its ten, and the first copy of the request it never answered
            assertThat(backup.copiesSeen).hasSize(10);
        }
    }
}
