// The live virtio-blk backend: a raw image file, read and written on a host thread.
package dev.lockstep.emulator.host;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.virtio.BlockBackend;
import dev.lockstep.emulator.virtio.VirtioBlk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A raw disk image. Requests run in order on one host thread, which queues a DiskDone for each; the
 * machine loop delivers it. With {@code carryData} a read's bytes travel in the event (a shared disk:
 * the log must hold them); without, the event carries none and the device re-reads the image when the
 * completion is delivered (a disk private to this machine, whose contents follow from the log).
 */
public final class FileDisk implements BlockBackend, AutoCloseable {
    private final Path path;
    private final FileChannel file;
    private final long capacity;
    private final Consumer<InputEvent> events;
    private final boolean carryData;
    private final ExecutorService io;

    public FileDisk(Path path, Consumer<InputEvent> events, boolean carryData) {
        this.path = path;
        this.events = events;
        this.carryData = carryData;
        if (!Files.exists(path)) throw new LockstepException("disk image " + path + ": no such file");
        if (Files.isDirectory(path)) throw new LockstepException("disk image " + path + " is a directory");
        try {
            this.file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            this.capacity = file.size();
        } catch (java.nio.file.AccessDeniedException e) {
            throw new LockstepException("disk image " + path + ": permission denied (it must be readable and writable)");
        } catch (IOException e) {
            throw new LockstepException("cannot open disk image " + path + ": " + e.getMessage(), e);
        }
        if (capacity % 512 != 0) {
            close();
            throw new LockstepException("disk image " + path + " is " + capacity
                    + " bytes, not a whole number of 512-byte sectors (pad it, e.g. truncate -s %512)");
        }
        this.io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lockstep-disk");
            t.setDaemon(true);
            return t;
        });
    }

    @Override public long capacity() { return capacity; }

    @Override
    public void read(long id, long offset, int length) {
        io.execute(() -> {
            try {
                byte[] d = readNow(offset, length);
                events.accept(new InputEvent.DiskDone(id, VirtioBlk.S_OK, carryData ? d : null));
            } catch (RuntimeException e) {
                events.accept(new InputEvent.DiskDone(id, VirtioBlk.S_IOERR, null));
            }
        });
    }

    @Override
    public void write(long id, long offset, byte[] data) { apply(offset, data).whenComplete(completes(id)); }

    @Override
    public void flush(long id) { force().whenComplete(completes(id)); }

    /** Queues request {@code id}'s DiskDone once it is done: OK, or IOERR if it failed. */
    private java.util.function.BiConsumer<Void, Throwable> completes(long id) {
        return (v, e) -> events.accept(new InputEvent.DiskDone(id, e == null ? VirtioBlk.S_OK : VirtioBlk.S_IOERR, null));
    }

    /**
     * Writes {@code data} at {@code offset} in order with the other requests, without a completion event
     * (an FT primary completes a write to the guest at once and lets it reach the shared disk only under
     * the output rule; {@link #write} queues the event when this is done). The future fails with the I/O
     * error.
     */
    public CompletableFuture<Void> apply(long offset, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) file.write(b, offset + b.position());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write disk image " + path + ": " + e.getMessage(), e);
            }
        }, io);
    }

    /** Makes every write before it durable, in order with the other requests, without a completion event. */
    public CompletableFuture<Void> force() {
        return CompletableFuture.runAsync(() -> {
            try {
                file.force(false);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot flush disk image " + path + ": " + e.getMessage(), e);
            }
        }, io);
    }

    @Override
    public byte[] readNow(long offset, int length) {
        byte[] d = new byte[length];
        ByteBuffer b = ByteBuffer.wrap(d);
        try {
            while (b.hasRemaining()) {
                if (file.read(b, offset + b.position()) < 0) break; // past the end: zeros
            }
        } catch (IOException e) {
            throw new LockstepException("cannot read disk image " + path + ": " + e.getMessage(), e);
        }
        return d;
    }

    @Override
    public void close() {
        if (io != null) io.shutdown();
        try {
            if (io != null) io.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            file.close();
        } catch (IOException | InterruptedException e) {
            // closing at exit: nothing more to do
        }
    }
}
