// A backup that wins the arbiter goes live even when it cannot create its redo journal: flushes then wait for the image.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.kvclient.KvClient;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedoJournalFallbackTest {
    private static final long LIVENESS_MS = FtProcesses.LIVENESS_MS;

    @Test
    void aBackupThatCannotCreateItsJournalGoesLiveAndFlushesTheImageInstead(@TempDir Path dir) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("kv.img").toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        Path journal = dir.resolve("kv.img.redo");
        try (FtProcesses ft = new FtProcesses(dir);
             KvClient client = new KvClient().retryEvery(Duration.ofMillis(100)).giveUpAfter(Duration.ofMillis(LIVENESS_MS))) {
            FtProcesses.KvPair pair = ft.startKvServerPair(client, "kv.img");
            for (int i = 0; i < 20; i++) client.put("k" + i, "before-" + i);
            assertThat(journal).isRegularFile();

            // Where the new primary's journal must go there is a directory it cannot replace (root or not).
            Files.delete(journal);
            Files.createDirectory(journal);
            Files.writeString(journal.resolve("in-the-way"), "x");
            pair.primary().sigkill();
            FtProcesses.Child live = pair.backup();
            live.await("live: serving the console", LIVENESS_MS);
            assertThat(live.log()).contains("cannot create the redo journal")
                    .contains("wait for the disk image's own flush after the backup's ack instead");

            for (int i = 20; i < 40; i++) client.put("k" + i, "after-" + i);
            for (int i = 0; i < 40; i++) assertThat(client.get("k" + i)).contains((i < 20 ? "before-" : "after-") + i);
            client.shutdown();
            assertThat(live.process().waitFor()).as(live.log()).isZero();
            assertThat(journal.resolve("in-the-way")).as("nothing was deleted that was not a journal").exists();
        }
    }
}
