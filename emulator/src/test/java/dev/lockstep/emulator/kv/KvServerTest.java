// The kvserver guest over the dgram network backend and a virtio-blk log: on lockstep, and against QEMU.
package dev.lockstep.emulator.kv;

import dev.lockstep.kvclient.KvClient;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.Qemu;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvServerTest {
    /** How long a server may take to power off after SHUTDOWN before the test gives up: a hang guard. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(120);

    private static Path emptyDisk(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        return p;
    }

    @Test
    void putGetDelAnswerAndTheDataSurvivesARestartOnTheSameDisk(@TempDir Path dir) throws IOException {
        Path disk = emptyDisk(dir, "kv.img");
        try (KvClient client = new KvClient(); KvServers server = KvServers.lockstep(disk, client.localAddress())) {
            client.connect(server.wire());
            client.ping();
            client.put("alpha", "1");
            client.put("greeting", "hello, world");
            assertThat(client.get("alpha")).contains("1");
            assertThat(client.get("greeting")).contains("hello, world");
            assertThat(client.delete("alpha")).isTrue();
            assertThat(client.get("alpha")).isEmpty();
            assertThat(client.delete("alpha")).isFalse();
            client.put("greeting", "hello again");
            client.shutdown();

            assertThat(server.awaitExit(HANG_GUARD)).isZero();
            assertThat(server.console())
                    .startsWith("kvserver: 0 records in the log (0 keys); disk at 0x10008000, 2048 sectors\r\n")
                    .contains("net at 0x10007000")
                    .endsWith("kvserver: shutdown after 10 requests, 4 records in the log (1 keys)\r\n");
        }

        try (KvClient client = new KvClient(); KvServers server = KvServers.lockstep(disk, client.localAddress())) {
            client.connect(server.wire());
            assertThat(client.get("greeting")).contains("hello again");
            assertThat(client.get("alpha")).isEmpty();
            client.shutdown();

            assertThat(server.awaitExit(HANG_GUARD)).isZero();
            assertThat(server.console()).startsWith("kvserver: 4 records in the log (1 keys);");
        }
    }

    @Test
    void badRequestsGetAnErrorWithTheirIdAndChangeNothing(@TempDir Path dir) throws IOException {
        try (KvClient client = new KvClient();
                KvServers server = KvServers.lockstep(emptyDisk(dir, "kv.img"), client.localAddress())) {
            client.connect(server.wire());
            assertThat(client.request("FROB x")).isEqualTo("ERR unknown command");
            assertThat(client.request("GET")).isEqualTo("ERR key must have 1 to 64 bytes");
            assertThat(client.request("PUT " + "k".repeat(65) + " v")).isEqualTo("ERR key must have 1 to 64 bytes");
            assertThat(client.request("PUT k " + "v".repeat(257))).isEqualTo("ERR value longer than 256 bytes");
            assertThat(client.get("k")).isEmpty();
            client.put("k", "a value with  spaces ");
            assertThat(client.get("k")).contains("a value with  spaces ");
            client.put("empty", "");
            assertThat(client.get("empty")).contains("");
            client.shutdown();

            assertThat(server.awaitExit(HANG_GUARD)).isZero();
            assertThat(server.console()).endsWith("2 records in the log (2 keys)\r\n");
        }
    }

    /** One conversation, the same on every server: the replies in order. */
    private static List<String> conversation(KvClient c) {
        List<String> replies = new ArrayList<>();
        for (String r : new String[] {"PING", "PUT a 1", "PUT b two words", "GET a", "DEL a", "GET a", "DEL a",
                "PUT c 3", "PUT b 2", "GET b", "GET zzz", "FROB"}) {
            replies.add(r + " -> " + c.request(r));
        }
        c.shutdown();
        return replies;
    }

    @Test
    void qemuAnswersTheSamePrintsTheSameAndWritesTheSameLog(@TempDir Path dir) throws IOException {
        Assumptions.assumeTrue(Qemu.available(), Qemu.INSTALL_HINT);
        Path onQemu = emptyDisk(dir, "qemu.img"), onLockstep = emptyDisk(dir, "lockstep.img");

        List<String> qemuReplies, lockstepReplies;
        String qemuConsole, lockstepConsole;
        try (KvClient client = new KvClient(); KvServers server = KvServers.qemu(onQemu, client.localAddress())) {
            client.connect(server.wire());
            qemuReplies = conversation(client);
            assertThat(server.awaitExit(HANG_GUARD)).isZero();
            qemuConsole = server.console();
        }
        try (KvClient client = new KvClient(); KvServers server = KvServers.lockstep(onLockstep, client.localAddress())) {
            client.connect(server.wire());
            lockstepReplies = conversation(client);
            assertThat(server.awaitExit(HANG_GUARD)).isZero();
            lockstepConsole = server.console();
        }

        assertThat(lockstepReplies).isEqualTo(qemuReplies).contains("GET b -> VALUE 2", "DEL a -> NOTFOUND");
        assertThat(lockstepConsole).isEqualTo(qemuConsole).contains("disk at 0x10008000").contains("net at 0x10007000");
        assertThat(Files.readAllBytes(onLockstep)).as("the log on disk").isEqualTo(Files.readAllBytes(onQemu));

        // and lockstep reads what QEMU wrote
        try (KvClient client = new KvClient(); KvServers server = KvServers.lockstep(onQemu, client.localAddress())) {
            client.connect(server.wire());
            assertThat(client.get("b")).contains("2");
            assertThat(client.get("c")).contains("3");
            assertThat(client.get("a")).isEmpty();
            client.shutdown();
            assertThat(server.awaitExit(HANG_GUARD)).isZero();
        }
    }

    /**
     * A client without retries that sends a burst of requests back to back and then collects the replies:
     * the server sees several frames at once and commits them as one group. A lost reply fails the test.
     */
    private static final class Burst implements AutoCloseable {
        final DatagramSocket socket;
        InetSocketAddress wire;
        byte[] serverMac;
        int nextId = 1;

        Burst() throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        InetSocketAddress localAddress() { return (InetSocketAddress) socket.getLocalSocketAddress(); }

        void connect(InetSocketAddress wire) throws IOException {
            this.wire = wire;
            byte[] arp = KvClient.Frames.arpRequest(KvClient.CLIENT_MAC, KvClient.CLIENT_IP, KvClient.SERVER_IP);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (serverMac == null) {
                if (System.nanoTime() > deadline) throw new AssertionError("no ARP reply");
                send(arp);
                byte[] f;
                while (serverMac == null && (f = receive(200)) != null) {
                    serverMac = KvClient.Frames.arpReplyFrom(f, KvClient.SERVER_IP);
                }
            }
        }

        /** Sends every command at once, then waits for all replies: each command's reply, in order. */
        List<String> send(List<String> commands) throws IOException {
            Map<String, String> replies = new LinkedHashMap<>();
            for (String c : commands) {
                String id = Integer.toString(nextId++);
                replies.put(id, null);
                byte[] payload = (id + " " + c + "\n").getBytes(StandardCharsets.UTF_8);
                send(KvClient.Frames.udp(KvClient.CLIENT_MAC, serverMac, KvClient.CLIENT_IP, KvClient.SERVER_IP,
                        KvClient.CLIENT_PORT, KvClient.SERVER_PORT, payload, nextId));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int missing = commands.size();
            while (missing > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                byte[] f = left > 0 ? receive(left) : null;
                if (f == null) throw new AssertionError("replies missing: " + replies);
                byte[] data = KvClient.Frames.udpPayload(f, KvClient.SERVER_IP, KvClient.SERVER_PORT,
                        KvClient.CLIENT_IP, KvClient.CLIENT_PORT);
                if (data == null) continue;
                String line = new String(data, StandardCharsets.UTF_8).stripTrailing();
                int sp = line.indexOf(' ');
                String id = line.substring(0, sp);
                assertThat(replies).as("reply '%s' answers a request, once", line).containsEntry(id, null);
                replies.put(id, line.substring(sp + 1));
                missing--;
            }
            return new ArrayList<>(replies.values());
        }

        private void send(byte[] frame) throws IOException { socket.send(new DatagramPacket(frame, frame.length, wire)); }

        private byte[] receive(long millis) throws IOException {
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.setSoTimeout((int) Math.max(1, millis));
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(buf, p.getLength());
        }

        @Override public void close() { socket.close(); }
    }

    private static List<String> repeat(int n, java.util.function.IntFunction<String> f) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(f.apply(i));
        return l;
    }

    @Test
    void requestsSentBackToBackAreAllAnsweredInOrderAndEveryAcknowledgedWriteSurvivesARestart(@TempDir Path dir)
            throws IOException {
        Path disk = emptyDisk(dir, "kv.img");
        try (Burst client = new Burst(); KvServers server = KvServers.lockstep(disk, client.localAddress())) {
            client.connect(server.wire());
            assertThat(client.send(repeat(8, i -> "PUT k" + i + " v" + i))).containsOnly("OK").hasSize(8);
            // later requests of a batch see the earlier ones' writes
            assertThat(client.send(List.of("PUT a 1", "GET a", "PUT a 2", "GET a", "DEL a", "GET a", "DEL a", "PUT b x")))
                    .containsExactly("OK", "VALUE 1", "OK", "VALUE 2", "OK", "NOTFOUND", "NOTFOUND", "OK");
            assertThat(client.send(repeat(8, i -> "GET k" + i))).isEqualTo(repeat(8, i -> "VALUE v" + i));
            // more than the server's 8 receive buffers: several batches, frames waiting in between
            assertThat(client.send(repeat(20, i -> "PUT m" + i + " " + "w".repeat(200) + i)))
                    .containsOnly("OK").hasSize(20);
            assertThat(client.send(List.of("SHUTDOWN"))).containsExactly("OK");

            assertThat(server.awaitExit(HANG_GUARD)).isZero();
            assertThat(server.console()).endsWith("kvserver: shutdown after 45 requests, 32 records in the log (29 keys)\r\n");
        }

        try (Burst client = new Burst(); KvServers server = KvServers.lockstep(disk, client.localAddress())) {
            client.connect(server.wire());
            assertThat(client.send(repeat(8, i -> "GET k" + i))).isEqualTo(repeat(8, i -> "VALUE v" + i));
            assertThat(client.send(List.of("GET a", "GET b"))).containsExactly("NOTFOUND", "VALUE x");
            assertThat(client.send(repeat(20, i -> "GET m" + i))).isEqualTo(repeat(20, i -> "VALUE " + "w".repeat(200) + i));
            assertThat(client.send(List.of("SHUTDOWN"))).containsExactly("OK");

            assertThat(server.awaitExit(HANG_GUARD)).isZero();
            assertThat(server.console()).startsWith("kvserver: 32 records in the log (29 keys);")
                    .endsWith("kvserver: shutdown after 31 requests, 32 records in the log (29 keys)\r\n");
        }
    }

    @Test
    void writesThatFindTheLogFullInABatchAreRefusedAndNotApplied(@TempDir Path dir) throws IOException {
        Path disk = dir.resolve("small.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(8 * 512); // the header and 7 records
        }
        try (Burst client = new Burst(); KvServers server = KvServers.lockstep(disk, client.localAddress())) {
            client.connect(server.wire());
            assertThat(client.send(repeat(10, i -> "PUT k" + i + " v" + i)))
                    .isEqualTo(repeat(10, i -> i < 7 ? "OK" : "ERR log full"));
            assertThat(client.send(List.of("GET k6", "GET k7", "DEL k0", "PUT k0 again")))
                    .containsExactly("VALUE v6", "NOTFOUND", "ERR log full", "ERR log full");
            assertThat(client.send(List.of("GET k0", "SHUTDOWN"))).containsExactly("VALUE v0", "OK");
            assertThat(server.awaitExit(HANG_GUARD)).isZero();
            assertThat(server.console()).endsWith("shutdown after 16 requests, 7 records in the log (7 keys)\r\n");
        }
        try (Burst client = new Burst(); KvServers server = KvServers.lockstep(disk, client.localAddress())) {
            client.connect(server.wire());
            assertThat(client.send(repeat(8, i -> "GET k" + i))).isEqualTo(repeat(8, i -> i < 7 ? "VALUE v" + i : "NOTFOUND"));
            assertThat(client.send(List.of("SHUTDOWN"))).containsExactly("OK");
            assertThat(server.awaitExit(HANG_GUARD)).isZero();
            assertThat(server.console()).startsWith("kvserver: 7 records in the log (7 keys); disk at 0x10008000, 8 sectors");
        }
    }
}
