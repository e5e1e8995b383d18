// Under --durability disk, a reply behind a guest's flush leaves only once the writes before it survive a power loss.
package dev.lockstep.liveft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.TestGuests;
import dev.lockstep.emulator.host.FileDisk;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.virtio.BlockBackend;
import dev.lockstep.replayer.Sessions;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary's disk as its guest sees it ({@link Primary#outputRuled}), driven by hand: the guest writes,
 * flushes and then emits a reply, and the test acknowledges for a backup. The journal's fdatasync is
 * held back by the test, so whether the reply waits for it is seen, not timed.
 */
@Timeout(60)
class PrimaryDiskDurabilityTest {
    private static final byte[] REPLY = "OK\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final HostInputQueue queue = new HostInputQueue();
    /** Opened by the test: until then the journal's fdatasyncs do not return. */
    private final CountDownLatch journalSyncs = new CountDownLatch(1);
    private ConsoleServer service;
    private FileDisk disk;
    private Primary primary;

    @BeforeEach
    void primaryWithADisk() throws Exception {
        Path image = dir.resolve("kv.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        service = new ConsoleServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), queue, log::add);
        Machine m = new Machine(MachineConfig.DEFAULT, InputPort.fixedClock(0), OutputSink.DISCARD);
        primary = new Primary(m, Sessions.header(MachineConfig.DEFAULT, Sessions.Spec.elf("kvcons", TestGuests.bytes("kvcons"), null)),
                null, service, queue, (key, me) -> me, Secret.NONE, FtOptions.DEFAULT, "primary", log::add);
        disk = new FileDisk(image, e -> { }, false);
    }

    @AfterEach
    void stop() {
        journalSyncs.countDown();
        disk.close();
        service.close();
    }

    /** The journal this primary creates: {@code capacity} bytes, its fdatasyncs held until {@link #journalSyncs} opens. */
    private BlockBackend guestDisk(long capacity) {
        primary.journals = path -> RedoJournal.create(path, capacity, file -> {
            try {
                journalSyncs.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            file.force(false);
        });
        assertThat(FtOptions.DEFAULT.durability()).isEqualTo(FtOptions.Durability.DISK);
        return primary.outputRuled(disk);
    }

    /** What a guest's commit does: a request comes in (a log entry), then a write, a flush, and the reply. */
    private void commit(BlockBackend guestDisk, int bytes) {
        primary.beforeDeliver(new InputEvent.ConsoleInput("put k v\n".getBytes(StandardCharsets.US_ASCII)), 0);
        guestDisk.write(1, 0, new byte[bytes]);
        guestDisk.flush(2);
        primary.gate().output(OutputKind.CONSOLE, 0, REPLY, 0, REPLY.length);
    }

    @Test
    void aReplyBehindAFlushWaitsForTheJournalsFdatasyncEvenOnceTheBackupHasAcknowledged() throws Exception {
        BlockBackend guestDisk = guestDisk(RedoJournal.DEFAULT_CAPACITY);
        commit(guestDisk, 4096);
        OutputGate gate = primary.gate();
        gate.acked(Long.MAX_VALUE); // the backup has it all: the write reaches the image, the flush is released
        assertThat(gate.heldCount()).as("the reply, held for the journal's fdatasync").isEqualTo(1);

        journalSyncs.countDown(); // the write is now on the disk, in the journal
        awaitTrue(() -> gate.heldCount() == 0, "the reply to leave once the journal is durable");
    }

    @Test
    void runningAloneAFlushCompletesToTheGuestOnlyOnceTheJournalIsDurable() throws Exception {
        BlockBackend guestDisk = guestDisk(RedoJournal.DEFAULT_CAPACITY);
        primary.gate().solo(true); // the arbiter's word: no backup to wait for
        guestDisk.write(1, 0, new byte[4096]);
        guestDisk.flush(2);
        assertThat(queue.isEmpty()).as("no completion of the flush before the journal's fdatasync").isTrue();

        journalSyncs.countDown();
        InputEvent done = queue.await(TimeUnit.SECONDS.toNanos(30));
        assertThat(done).isEqualTo(new InputEvent.DiskDone(2, dev.lockstep.emulator.virtio.VirtioBlk.S_OK, null));
    }

    @Test
    void behindAWriteTooLargeForTheJournalAFlushWaitsForTheImageInstead() throws Exception {
        BlockBackend guestDisk = guestDisk(RedoJournal.RING_START + 64 * 1024); // a ring of 64 KiB
        long forces = disk.forces();
        commit(guestDisk, 128 * 1024);
        assertThat(log).anyMatch(l -> l.contains("larger than the redo journal"));

        OutputGate gate = primary.gate();
        gate.acked(Long.MAX_VALUE);
        // The journal's fdatasync never returns here: had the reply waited for it, it would stay held.
        awaitTrue(() -> gate.heldCount() == 0, "the reply to leave once the image is flushed");
        assertThat(disk.forces()).as("the image's flushes").isGreaterThan(forces);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(5);
        }
    }
}
