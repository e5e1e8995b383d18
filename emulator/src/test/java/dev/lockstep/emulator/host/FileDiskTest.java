// The disk's request lane: in order, on the disk thread or on a caller that may block for it.
package dev.lockstep.emulator.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.io.InputEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDiskTest {
    @TempDir Path dir;

    private final LinkedBlockingQueue<InputEvent> events = new LinkedBlockingQueue<>();

    private FileDisk disk() throws Exception {
        Path p = dir.resolve("disk.img");
        Files.write(p, new byte[4096]);
        return new FileDisk(p, events::add, true);
    }

    @Test
    void aWriteHereOnAnIdleDiskIsDoneOnReturn() throws Exception {
        try (FileDisk d = disk()) {
            assertThat(d.applyHere(512, new byte[] {1, 2, 3})).isDone();
            assertThat(d.forceHere()).isDone();
            assertThat(d.readNow(512, 3)).containsExactly(1, 2, 3);
        }
    }

    @Test
    void requestsKeepTheirOrderWhicheverThreadRunsThem() throws Exception {
        try (FileDisk d = disk()) {
            for (int round = 0; round < 200; round++) {
                byte v = (byte) round;
                d.read(round, 0, 1); // queued on the disk thread: it must see the disk as it was before the write below
                var w = d.applyHere(0, new byte[] {v});
                w.get(10, TimeUnit.SECONDS);
                InputEvent.DiskDone done = (InputEvent.DiskDone) events.poll(10, TimeUnit.SECONDS);
                assertThat(done.requestId()).isEqualTo(round);
                assertThat(done.data()[0]).isEqualTo((byte) (round - 1 < 0 ? 0 : round - 1));
            }
        }
    }

    /**
     * While the disk is busy, a write, then three flushes with writes between them queue up: the first flush
     * takes the rest with it, so one fdatasync completes all three, and every request still completes, the
     * writes before the flushes.
     */
    @Test
    void flushesQueuedTogetherShareOneFdatasync() throws Exception {
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        Path p = dir.resolve("disk.img");
        Files.write(p, new byte[4096]);
        try (FileDisk d = new FileDisk(p, e -> {
            if (((InputEvent.DiskDone) e).requestId() == 0) {
                try {
                    busy.await(); // the read's completion holds the disk thread until all is queued
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
            }
            events.add(e);
        }, true)) {
            d.read(0, 0, 1);
            for (int i = 1; i <= 3; i++) {
                d.write(10 * i, 512 * i, new byte[] {(byte) i});
                d.flush(10 * i + 1);
            }
            busy.countDown();
            java.util.List<Long> done = new java.util.ArrayList<>();
            for (int i = 0; i < 7; i++) {
                InputEvent.DiskDone e = (InputEvent.DiskDone) events.poll(10, TimeUnit.SECONDS);
                assertThat(e).as("completion %d of 7", i + 1).isNotNull();
                assertThat(e.status()).isEqualTo(dev.lockstep.emulator.virtio.VirtioBlk.S_OK);
                done.add(e.requestId());
            }
            assertThat(done).containsExactly(0L, 10L, 20L, 30L, 11L, 21L, 31L);
            assertThat(d.forces()).as("fdatasyncs for three flushes").isEqualTo(1);
            assertThat(d.readNow(1024, 1)).containsExactly(2);
        }
    }

    @Test
    void aFailedWriteFailsItsFuture() throws Exception {
        FileDisk d = disk();
        d.close(); // the file is closed: the write fails with an I/O error, not an unchecked one out of the lane
        assertThat(d.applyHere(0, new byte[] {1})).isCompletedExceptionally();
    }
}
