// Recording sessions with virtio devices: kvserver over --netdev and --drive, entropy over --rng, each replayed verified.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.LoopbackPorts;
import dev.lockstep.kvclient.KvClient;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.Trace;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtioRecordReplayTest {
    @TempDir
    Path dir;

    @Test
    void aRecordedKvserverSessionReplaysWithTheSameFramesDiskWritesAndStateHashes() throws Exception {
        Path disk = dir.resolve("kv.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        Path trace = dir.resolve("kv-trace");
        int port = LoopbackPorts.next();
        CompletableFuture<Cli.Result> recording;
        try (KvClient client = new KvClient().retryEvery(Duration.ofMillis(200)).giveUpAfter(Duration.ofSeconds(60))) {
            recording = CompletableFuture.supplyAsync(() -> Cli.run("record", "-o", trace.toString(), "--rtc", "fixed:0",
                    "--drive", "file=" + disk, "--netdev", "dgram,local=127.0.0.1:" + port + ",remote=127.0.0.1:"
                            + client.localAddress().getPort(), "kvserver"));
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            client.put("alpha", "1");
            client.put("beta", "two");
            assertThat(client.get("alpha")).contains("1");
            assertThat(client.get("gamma")).isEmpty();
            client.shutdown();
        }
        Cli.Result rec = recording.get(120, TimeUnit.SECONDS);
        assertThat(rec.exit()).as(rec.err()).isZero();
        byte[] diskAfterRecording = Files.readAllBytes(disk);

        try (Trace t = Trace.open(trace)) {
            assertThat(t.header().machineConfig()).containsEntry("devices", "blk,net").containsEntry("blk.disk", "shared")
                    .containsEntry("isa", dev.lockstep.emulator.Machine.ISA)
                    .containsEntry("net.mac", "52:54:00:12:34:56");
            assertThat(t.header().image("disk:kv.img")).get().matches(i -> i.role().equals(Sessions.ROLE_DISK) && i.size() == 1 << 20);
            long netRx = 0, diskDone = 0, netOut = 0, diskOut = 0;
            try (var c = t.entries()) {
                while (c.hasNext()) {
                    LogEntry e = c.next();
                    if (e instanceof LogEntry.NetRx) netRx++;
                    if (e instanceof LogEntry.DiskDone) diskDone++;
                    if (e instanceof LogEntry.Output o && o.kind() == dev.lockstep.traceformat.OutputKind.NET) netOut++;
                    if (e instanceof LogEntry.Output o && o.kind() == dev.lockstep.traceformat.OutputKind.DISK) diskOut++;
                }
            }
            assertThat(netRx).as("ARP and 5 requests").isGreaterThanOrEqualTo(6);
            assertThat(netOut).as("the ARP reply and 5 replies").isGreaterThanOrEqualTo(6);
            assertThat(diskOut).as("2 PUTs written to the log").isGreaterThanOrEqualTo(2);
            assertThat(diskDone).isGreaterThan(diskOut);
        }

        Cli.Result replay = Cli.run("replay", "--verify", trace.toString());

        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(replay.out()).isEqualTo(rec.out()).contains("kvserver: shutdown after 5 requests, 2 records in the log (2 keys)");
        assertThat(replay.err()).containsPattern("verified [0-9,]+ instructions: [1-9][0-9]* state hashes and [0-9]{2,} outputs matched");
        assertThat(sha256(Files.readAllBytes(disk))).as("replay does no disk I/O").isEqualTo(sha256(diskAfterRecording));
    }

    @Test
    void aRecordedEntropyRunReplaysTheSameBytes() {
        Path trace = dir.resolve("rng-trace");

        Cli.Result rec = Cli.run("record", "-o", trace.toString(), "--rng", "entropy");
        Cli.Result replay = Cli.run("replay", "--verify", trace.toString());
        Cli.Result again = Cli.run("run", "--rng", "entropy");

        assertThat(rec.exit()).as(rec.err()).isZero();
        assertThat(rec.out()).containsPattern("(entropy:( [0-9a-f]{2}){16}\r\n){4}");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(replay.out()).isEqualTo(rec.out());
        assertThat(again.out()).as("a new run draws new bytes").isNotEqualTo(rec.out());
    }


    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }
}
