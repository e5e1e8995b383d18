// The kvserver guest over the dgram network backend and a virtio-blk log: on lockstep, and against QEMU.
package dev.lockstep.emulator.kv;

import dev.lockstep.kvclient.KvClient;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.Qemu;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
}
