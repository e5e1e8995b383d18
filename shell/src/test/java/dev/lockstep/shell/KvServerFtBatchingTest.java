// kvserver under FT: a PUT's commit (write, flush, reply) reaches the backup in one batch, one round trip.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.kvclient.KvClient;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvServerFtBatchingTest {
    private static final long LIVENESS_MS = FtProcesses.LIVENESS_MS;
    private static final int PUTS = 300;

    /**
     * One client, one PUT at a time: kvserver writes the record, flushes, and replies, and the primary
     * completes the write and the flush to the guest at once. The held write used to go in a batch of its
     * own and the reply in the next, two frames (and two acks) per PUT: 609 batches here. Now the write
     * waits in the batch until the guest waits for input, so the commit goes as one: 307 (the rest are
     * boot, the GET and the shutdown). The primary's exit line counts its batches.
     */
    @Test
    void aPutsWriteFlushAndReplyTravelToTheBackupInOneBatch(@TempDir Path dir) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("kv.img").toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        try (FtProcesses ft = new FtProcesses(dir);
             KvClient client = new KvClient().retryEvery(Duration.ofMillis(500)).giveUpAfter(Duration.ofMillis(LIVENESS_MS))) {
            FtProcesses.KvPair pair = ft.startKvServerPair(client, "kv.img");
            FtProcesses.Child primary = pair.primary(), backup = pair.backup();

            for (int i = 0; i < PUTS; i++) client.put("k" + (i % 50), "v" + i);
            assertThat(client.get("k49")).contains("v" + (PUTS - 1));
            assertThat(dir.resolve("kv.img.redo")).as("under --durability disk the primary journals its writes").exists();
            client.shutdown();
            assertThat(primary.process().waitFor()).as(primary.log()).isZero();
            assertThat(backup.process().waitFor()).as(backup.log()).isZero();
            assertThat(dir.resolve("kv.img.redo")).as("a pair that ends cleanly leaves nothing to recover").doesNotExist();

            Matcher m = Pattern.compile("bytes sent to backups in ([0-9,]+) batches").matcher(primary.log());
            assertThat(m.find()).as(primary.log()).isTrue();
            long batches = Long.parseLong(m.group(1).replace(",", ""));
            assertThat(batches).as("batches for %d PUTs, a GET and the shutdown", PUTS).isBetween((long) PUTS, PUTS * 3L / 2);
        }
    }
}
