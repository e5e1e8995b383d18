// The redo journal: what a start after both sides of a pair are gone writes into the image, and what it never does.
package dev.lockstep.liveft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.emulator.LockstepException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RedoJournalTest {
    private static final int IMAGE = 64 * 1024;
    /** Small, so that the ring wraps many times. */
    private static final long CAPACITY = RedoJournal.RING_START + 70 * 1024;

    @TempDir
    Path dir;

    private record Write(long offset, byte[] data) {}

    private static List<Write> writes(long seed, int n) {
        Random r = new Random(seed);
        List<Write> w = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 1 + r.nextInt(r.nextBoolean() ? 600 : 6000);
            byte[] d = new byte[len];
            r.nextBytes(d);
            w.add(new Write(r.nextInt(IMAGE - len), d));
        }
        return w;
    }

    private static byte[] apply(byte[] image, List<Write> writes, int from, int to) {
        byte[] out = image.clone();
        for (int i = from; i < to; i++) System.arraycopy(writes.get(i).data(), 0, out, (int) writes.get(i).offset(), writes.get(i).data().length);
        return out;
    }

    /** Journals writes {@code from} to {@code to} of {@code w} as numbers {@code first}.. and makes them durable. */
    private static void journal(RedoJournal j, List<Write> w, int from, int to, long first) throws Exception {
        for (int i = from; i < to; i++) j.append(first + i - from, w.get(i).offset(), w.get(i).data(), () -> { });
        j.force().get(5, TimeUnit.SECONDS);
    }

    private Path image(byte[] content) throws IOException {
        Path p = dir.resolve("disk.img");
        Files.write(p, content);
        return p;
    }

    @Test
    void aStartAfterACrashWritesEveryJournaledWriteTheImageMayLackInOrderAcrossManyWrapsOfTheRing() throws Exception {
        List<Write> w = writes(1, 400);
        Path img = image(new byte[IMAGE]);
        Path jp = RedoJournal.pathFor(img);
        byte[] durableImage = new byte[IMAGE];
        int durable = 0;
        // A crash after every seventh write: the journal as it is on disk then, and the image's durable prefix.
        record Crash(int writes, int durable, Path journal, byte[] image) {}
        List<Crash> crashes = new ArrayList<>();
        try (RedoJournal j = RedoJournal.create(jp, CAPACITY)) {
            for (int i = 0; i < w.size(); i++) {
                j.append(i, w.get(i).offset(), w.get(i).data(), () -> { });
                if (i % 7 == 6) {
                    j.force().get(5, TimeUnit.SECONDS);
                    Path copy = dir.resolve("crash-" + i);
                    Files.copy(jp, copy);
                    crashes.add(new Crash(i + 1, durable, copy, durableImage));
                    // The ring has room for a few dozen records: the image is made durable as the primary's
                    // background flushes do, a few writes behind the journal.
                    durableImage = apply(durableImage, w, durable, i - 3);
                    durable = i - 3;
                    j.imageDurableUpTo(durable);
                }
            }
        }
        for (Crash c : crashes) {
            Files.write(img, c.image());
            Files.copy(c.journal(), jp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            List<String> said = new ArrayList<>();
            long applied = RedoJournal.recover(img, said::add);
            assertThat(Files.readAllBytes(img)).as("after %d writes", c.writes()).isEqualTo(apply(new byte[IMAGE], w, 0, c.writes()));
            assertThat(applied).as("the records from the header's on, after %d writes", c.writes())
                    .isBetween((long) c.writes() - c.durable(), (long) c.writes() - c.durable() + 7);
            assertThat(Files.exists(jp)).as("a recovered journal is deleted").isFalse();
            assertThat(said).singleElement().asString().contains("redo journal");
        }
        assertThat(RedoJournal.recover(img, s -> { })).as("nothing left to recover").isEqualTo(-1);
    }

    @Test
    void aTornRecordEndsRecoveryThereAndNothingAfterItIsWritten() throws Exception {
        List<Write> w = writes(2, 6);
        Path img = image(new byte[IMAGE]);
        Path jp = RedoJournal.pathFor(img);
        try (RedoJournal j = RedoJournal.create(jp, RedoJournal.DEFAULT_CAPACITY)) {
            journal(j, w, 0, w.size(), 0);
        }
        // Tear the fourth record: one byte of its data, as a crash halfway through its write would leave it.
        long at = RedoJournal.RING_START;
        for (int i = 0; i < 3; i++) at += RedoJournal.recordLength(w.get(i).data().length);
        try (RandomAccessFile f = new RandomAccessFile(jp.toFile(), "rw")) {
            f.seek(at + RedoJournal.RECORD_HEADER + 1);
            int b = f.read();
            f.seek(at + RedoJournal.RECORD_HEADER + 1);
            f.write(b ^ 0x40);
        }
        assertThat(RedoJournal.recover(img, s -> { })).isEqualTo(3);
        assertThat(Files.readAllBytes(img)).isEqualTo(apply(new byte[IMAGE], w, 0, 3));
    }

    @Test
    void aNewJournalReplacesTheOldOneWhoseRecordsNeverReachTheImage() throws Exception {
        List<Write> w = writes(3, 10);
        Path img = image(new byte[IMAGE]);
        Path jp = RedoJournal.pathFor(img);
        RedoJournal old = RedoJournal.create(jp, RedoJournal.DEFAULT_CAPACITY);
        journal(old, w, 0, 10, 0);
        // A backup goes live: it has written its window into the image and replaces the journal, while the
        // old primary, cut off, still appends to the file it has open.
        try (RedoJournal fresh = RedoJournal.create(jp, RedoJournal.DEFAULT_CAPACITY)) {
            journal(fresh, w, 0, 1, 0);
            journal(old, writes(4, 5), 0, 5, 10);
            old.delete(); // the old primary settling: the path is no longer its journal
            assertThat(Files.exists(jp)).as("the old primary must not delete the new journal").isTrue();
        }
        assertThat(RedoJournal.recover(img, s -> { })).isEqualTo(1);
        assertThat(Files.readAllBytes(img)).isEqualTo(apply(new byte[IMAGE], w, 0, 1));
    }

    @Test
    void aTornHeaderFallsBackToTheOtherSlotWhichStillFindsEveryRecordItNeeds() throws Exception {
        List<Write> w = writes(5, 12);
        Path img = image(new byte[IMAGE]);
        Path jp = RedoJournal.pathFor(img);
        byte[] durableImage;
        try (RedoJournal j = RedoJournal.create(jp, RedoJournal.DEFAULT_CAPACITY)) {
            journal(j, w, 0, 12, 0);
            j.imageDurableUpTo(4);
            awaitHeader(jp, 4);
            j.imageDurableUpTo(8);
            awaitHeader(jp, 8);
            durableImage = apply(new byte[IMAGE], w, 0, 8);
        }
        Files.write(img, durableImage);
        Path intact = dir.resolve("intact.redo");
        Files.copy(jp, intact);
        assertThat(RedoJournal.recover(img, s -> { })).as("from the newer header, in slot 1").isEqualTo(4);
        assertThat(Files.readAllBytes(img)).isEqualTo(apply(new byte[IMAGE], w, 0, 12));
        Files.write(img, durableImage);
        Files.move(intact, jp);
        // The slot written last (sequence 3, odd) is torn: recovery starts from write 4 instead of 8.
        try (RandomAccessFile f = new RandomAccessFile(jp.toFile(), "rw")) {
            f.seek(512 + 40);
            f.write(0x5a);
        }
        assertThat(RedoJournal.recover(img, s -> { })).isEqualTo(8);
        assertThat(Files.readAllBytes(img)).isEqualTo(apply(new byte[IMAGE], w, 0, 12));
    }

    /** Waits for the journal's thread to have moved the header to {@code index} (it does so in the background). */
    private static void awaitHeader(Path jp, long index) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            byte[] b = Files.readAllBytes(jp);
            var bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            long s0 = bb.getLong(8), s1 = bb.getLong(512 + 8);
            long idx = s0 > s1 ? bb.getLong(32) : bb.getLong(512 + 32);
            if (idx == index) return;
            Thread.sleep(5);
        }
        throw new AssertionError("the header never moved to " + index);
    }

    @Test
    void aFullRingHoldsTheNextWriteUntilTheImageIsDurableAndAsksForTheEntriesFirst() throws Exception {
        Path img = image(new byte[IMAGE]);
        byte[] d = new byte[4000];
        try (RedoJournal j = RedoJournal.create(RedoJournal.pathFor(img), CAPACITY)) {
            int i = 0;
            long used = 0;
            while (used + RedoJournal.recordLength(d.length) <= CAPACITY - RedoJournal.RING_START) {
                j.append(i++, 0, d, () -> { throw new AssertionError("room was left"); });
                used += RedoJournal.recordLength(d.length);
            }
            AtomicInteger asked = new AtomicInteger();
            CountDownLatch appended = new CountDownLatch(1);
            int next = i;
            Thread loop = new Thread(() -> {
                j.append(next, 0, d, asked::incrementAndGet);
                appended.countDown();
            });
            loop.start();
            assertThat(appended.await(300, TimeUnit.MILLISECONDS)).as("no room yet").isFalse();
            assertThat(asked.get()).as("the held writes' entries are sent once, before waiting").isEqualTo(1);
            assertThat(j.roomWanted()).isTrue();
            j.imageDurableUpTo(1);
            assertThat(appended.await(5, TimeUnit.SECONDS)).as("one record's room is enough").isTrue();
            assertThat(j.roomWanted()).isFalse();
            loop.join();
        }
    }

    @Test
    void anAbandonedJournalLetsAWaitingWriteGoOnAndTakesNoMore() throws Exception {
        Path img = image(new byte[IMAGE]);
        byte[] d = new byte[30_000];
        try (RedoJournal j = RedoJournal.create(RedoJournal.pathFor(img), CAPACITY)) {
            j.append(0, 0, d, () -> { });
            j.append(1, 0, d, () -> { });
            CountDownLatch returned = new CountDownLatch(1);
            Thread loop = new Thread(() -> {
                j.append(2, 0, d, () -> { });
                returned.countDown();
            });
            loop.start();
            assertThat(returned.await(200, TimeUnit.MILLISECONDS)).isFalse();
            j.abandon();
            assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
            loop.join();
        }
    }

    @Test
    void aSettledJournalIsGoneAndAnUnreadableOneIsRefusedNotGuessedAt() throws Exception {
        Path img = image(new byte[IMAGE]);
        Path jp = RedoJournal.pathFor(img);
        RedoJournal j = RedoJournal.create(jp, RedoJournal.DEFAULT_CAPACITY);
        j.append(0, 0, new byte[10], () -> { });
        j.delete();
        assertThat(Files.exists(jp)).isFalse();
        assertThatThrownBy(() -> j.append(1, 0, new byte[10], () -> { })).isInstanceOf(LockstepException.class);

        Files.write(jp, new byte[8192]);
        assertThatThrownBy(() -> RedoJournal.recover(img, s -> { })).isInstanceOf(LockstepException.class)
                .hasMessageContaining("no valid header").hasMessageContaining("Move the journal aside");
        assertThat(Files.exists(jp)).isTrue();
    }

    /**
     * A write too large for the ring leaves a record without its data (the primary makes the image durable
     * through it before the next flush completes): recovery steps over it and applies the writes after it.
     */
    @Test
    void aWriteLargerThanTheRingIsMarkedNotHereAndRecoveryGoesOnPastIt() throws Exception {
        Path img = image(new byte[160 * 1024]);
        byte[] a = filled(100, (byte) 'a'), big = filled(100 * 1024, (byte) 'B'), c = filled(100, (byte) 'c');
        List<String> log = new ArrayList<>();
        try (RedoJournal j = RedoJournal.create(RedoJournal.pathFor(img), CAPACITY)) {
            assertThat(j.append(0, 0, a, () -> { })).isTrue();
            assertThat(j.append(1, 4096, big, () -> { })).as("the large write's data is in the journal").isFalse();
            assertThat(j.append(2, 8192, c, () -> { })).isTrue();
            j.force().get(5, TimeUnit.SECONDS);
            assertThat(RedoJournal.recover(img, log::add)).isEqualTo(2);
        }
        byte[] expected = new byte[160 * 1024];
        System.arraycopy(a, 0, expected, 0, a.length);
        System.arraycopy(c, 0, expected, 8192, c.length);
        assertThat(Files.readAllBytes(img)).isEqualTo(expected);
        assertThat(log).singleElement().asString().contains("1 write(s) too large for it");
    }

    private static byte[] filled(int n, byte b) {
        byte[] d = new byte[n];
        java.util.Arrays.fill(d, b);
        return d;
    }
}
