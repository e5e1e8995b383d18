// The backup acknowledges a batch as soon as the frames that came with it are read, whatever they are.
package dev.lockstep.liveft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.TestGuests;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.traceformat.EntryEncoder;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.TraceHeader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupAckTest {
    private static final Secret SECRET = Secret.of("s3cret".getBytes(StandardCharsets.UTF_8));
    private static final FtOptions MINUTE_KEEP_ALIVE =
            new FtOptions(60_000, 120_000, 100_000, 500_000_000L, 200_000, FtOptions.Durability.DISK);
    /** The test's primary is "dead" once it closes the channel; this arbiter then tells the backup it lost. */
    private static final Arbiter PRIMARY_HOLDS_THE_KEY = (key, me) -> "primary";

    /** A backup on a loopback port, and a fake primary that has connected to it and sent its header (no state). */
    private static final class Pairing implements AutoCloseable {
        final ServerSocket listens = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final CompletableFuture<Backup.Result> backup;
        final Channel primary;

        Pairing(Path trace, Arbiter arbiter, FtOptions options) throws Exception {
            backup = CompletableFuture.supplyAsync(() -> {
                try {
                    Channel c = Channel.accept(listens.accept(), SECRET, 5000);
                    return new Backup(c, trace, arbiter, options, "backup", l -> { }).run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            primary = Channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listens.getLocalPort()), SECRET,
                    "primary", 5000);
            TraceHeader th = Sessions.header(MachineConfig.DEFAULT, Sessions.Spec.elf("kvcons", TestGuests.bytes("kvcons"), null));
            primary.send(Channel.Kind.HEADER, new Wire.Header("pair", "primary", 1, 0, 0, false, th.encode(), "").encode());
            primary.silenceTimeout(30_000); // a receive fails with a SocketTimeoutException after 30 s without a frame
        }

        void sendBatch() throws Exception {
            primary.send(Channel.Kind.ENTRIES, Wire.entries(1, 0, List.of(new LogEntry.Heartbeat(100)), new EntryEncoder(0)));
        }

        Wire.Ack ack() throws Exception {
            Channel.Frame f = primary.receive();
            assertThat(f.kind()).isEqualTo(Channel.Kind.ACK);
            return Wire.Ack.decode(f.payload());
        }

        @Override
        public void close() throws Exception {
            primary.close();
            listens.close();
        }
    }

    /**
     * A fake primary sends its header, then at once a batch and a PING: the backup is still booting its
     * machine and creating its trace, so both frames wait in its socket and come in with one read. The
     * batch's ack must go out once the PING is read. (It used to wait for a later batch, or for the
     * keep-alive's ack, a minute away here.)
     */
    @Test
    void aBatchThatArrivesWithAPingIsAcknowledgedWithoutWaitingForTheKeepAlive(@TempDir Path dir) throws Exception {
        try (Pairing p = new Pairing(dir.resolve("trace"), PRIMARY_HOLDS_THE_KEY, MINUTE_KEEP_ALIVE)) {
            p.sendBatch();
            p.primary.send(Channel.Kind.PING, new byte[0]);
            assertThat(p.ack().seq()).as("the backup's ready ack").isZero();
            assertThat(p.ack().seq()).as("the ack of the batch").isEqualTo(1);
            p.primary.close();
            assertThat(p.backup.get(60, TimeUnit.SECONDS)).isInstanceOf(Backup.Result.Stopped.class);
        }
    }

    /**
     * A backup acknowledges the pairing as soon as it holds the primary's header (and state), before it
     * builds its machine and trace, which takes a second or more in a fresh JVM that held output would
     * wait for: here its trace cannot be created at all (a file is in the way), and its first ack has come
     * all the same, saying it has not caught up. With a trace it can create, the next ack says it has.
     */
    @Test
    void theFirstAckComesBeforeTheMachineAndTraceAreBuiltAndALaterOneSaysTheBackupHasCaughtUp(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("in-the-way"), "not a directory");
        try (Pairing p = new Pairing(dir.resolve("in-the-way").resolve("trace"), PRIMARY_HOLDS_THE_KEY, MINUTE_KEEP_ALIVE)) {
            assertThat(p.ack().caughtUp()).isFalse();
            assertThat(p.backup).failsWithin(60, TimeUnit.SECONDS).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withMessageContaining("in-the-way");
        }
        try (Pairing p = new Pairing(dir.resolve("trace"), PRIMARY_HOLDS_THE_KEY, MINUTE_KEEP_ALIVE)) {
            assertThat(p.ack().caughtUp()).isFalse();
            assertThat(p.ack().caughtUp()).isTrue();
            p.primary.close();
            assertThat(p.backup.get(60, TimeUnit.SECONDS)).isInstanceOf(Backup.Result.Stopped.class);
        }
    }

    /**
     * The primary dies right after its header, while the backup is still building its machine and trace:
     * the backup has acked, so it must take over (here it wins the arbiter), not fail on its next ack
     * (the one that says it replays, into a connection reset by then).
     */
    @Test
    void aPrimaryThatDiesWhileTheBackupIsBuildingLeavesTheServiceToIt(@TempDir Path dir) throws Exception {
        try (Pairing p = new Pairing(dir.resolve("trace"), (key, me) -> me, FtOptions.DEFAULT)) {
            p.ack();
            p.sendBatch();
            p.primary.close(); // dies: the backup's ack of that batch meets a closed socket, and its next send a reset
            Backup.Result result = p.backup.get(60, TimeUnit.SECONDS);
            assertThat(result).isInstanceOf(Backup.Result.Live.class);
            ((Backup.Result.Live) result).trace().close();
        }
    }
}
