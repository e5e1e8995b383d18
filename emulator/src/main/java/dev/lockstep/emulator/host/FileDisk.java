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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A raw disk image. Requests run in order, one at a time, on one host thread, which queues a DiskDone
 * for each; the machine loop delivers it. A flush takes the writes and flushes queued behind it with it
 * (a group commit): their writes, then one fdatasync, which completes every flush of the group. A flush
 * only promises the writes completed before it was issued; the later ones are merely made durable
 * sooner. {@link #applyHere} and {@link #forceHere} (and a guest's write) run on the caller's thread
 * instead when no request is queued or running (else they queue behind them), for a caller that may
 * block and would otherwise only wait for the disk thread to wake up. With {@code carryData} a
 * read's bytes travel in the event (a shared disk: the log must hold them); without, the event carries
 * none and the device re-reads the image when the completion is delivered (a disk private to this
 * machine, whose contents follow from the log).
 */
public final class FileDisk implements BlockBackend, AutoCloseable {
    private final Path path;
    private final FileChannel file;
    private final long capacity;
    private final Consumer<InputEvent> events;
    private final boolean carryData;
    private final ExecutorService io;
    /** Requests not started yet, in order, and whether a thread is running them (the disk thread or a caller). */
    private final ArrayDeque<Request> lane = new ArrayDeque<>();
    private boolean laneBusy;
    private long forces;

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

    /** The image file. */
    public Path path() { return path; }

    @Override
    public void read(long id, long offset, int length) {
        request(false, Kind.READ, () -> {
            byte[] d = readNow(offset, length);
            events.accept(new InputEvent.DiskDone(id, VirtioBlk.S_OK, carryData ? d : null));
        }).whenComplete((v, e) -> {
            if (e != null) events.accept(new InputEvent.DiskDone(id, VirtioBlk.S_IOERR, null));
        });
    }

    /**
     * On the caller's thread (the machine's loop) when the disk is idle: a write only reaches the page cache,
     * which takes microseconds, where a hand-off to the disk thread costs two wake-ups (the disk thread's, and
     * the loop's for the completion). Reads and flushes, which may wait for the device, stay on the disk thread.
     */
    @Override
    public void write(long id, long offset, byte[] data) { applyHere(offset, data).whenComplete(completes(id)); }

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
    public CompletableFuture<Void> apply(long offset, byte[] data) { return request(false, Kind.WRITE, () -> writeAt(offset, data)); }

    /** {@link #apply}, on this thread if the disk is idle: then the future is done on return. */
    public CompletableFuture<Void> applyHere(long offset, byte[] data) { return request(true, Kind.WRITE, () -> writeAt(offset, data)); }

    /** Makes every write before it durable, in order with the other requests, without a completion event. */
    public CompletableFuture<Void> force() { return request(false, Kind.FLUSH, this::forceNow); }

    /** {@link #force}, on this thread if the disk is idle: then the future is done on return. */
    public CompletableFuture<Void> forceHere() { return request(true, Kind.FLUSH, this::forceNow); }

    /** How many times the image was made durable (fdatasync): fewer than the flushes when they were grouped. */
    public long forces() {
        synchronized (lane) {
            return forces;
        }
    }

    private void forceNow() throws IOException {
        file.force(false);
        synchronized (lane) {
            forces++;
        }
    }

    private interface DiskOp {
        void run() throws IOException;
    }

    private enum Kind { READ, WRITE, FLUSH }

    /** A request in the lane: {@code op} to run, and the future it completes, failed with the I/O error. */
    private record Request(Kind kind, DiskOp op, CompletableFuture<Void> done) {
        void run() {
            try {
                op.run();
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        }
    }

    /** Runs {@code op} in order with the other requests (on this thread if {@code here} and the disk is idle). */
    private CompletableFuture<Void> request(boolean here, Kind kind, DiskOp op) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        DiskOp named = () -> {
            try {
                op.run();
            } catch (IOException | RuntimeException e) {
                String what = kind.name().toLowerCase(java.util.Locale.ROOT);
                throw new UncheckedIOException("cannot " + what + " disk image " + path + ": " + e.getMessage(), io(e));
            }
        };
        Request r = new Request(kind, named, done);
        if (here) runHere(r);
        else submit(r);
        return done;
    }

    private void writeAt(long offset, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) file.write(b, offset + b.position());
    }

    private static IOException io(Exception e) { return e instanceof IOException i ? i : new IOException(e); }

    /** Queues {@code request}; the disk thread runs it, unless a thread is running requests already. */
    private void submit(Request request) {
        if (queued(request)) io.execute(this::drain);
    }

    /** Runs {@code request} on this thread if no request is queued or running, else queues it behind them. */
    private void runHere(Request request) {
        if (queued(request)) drain(); // this request, and any queued while it runs
    }

    /** Queues {@code request}; true if no thread is running requests, and the caller must see that one does. */
    private boolean queued(Request request) {
        synchronized (lane) {
            lane.add(request);
            if (laneBusy) return false;
            laneBusy = true;
            return true;
        }
    }

    /** Requests one fdatasync may complete at most, so that a steady stream of writes cannot hold a flush back long. */
    private static final int MAX_GROUP = 64;

    private void drain() {
        List<Request> group = new ArrayList<>();
        while (true) {
            synchronized (lane) {
                Request r = lane.poll();
                if (r == null) {
                    laneBusy = false;
                    return;
                }
                group.add(r);
                if (r.kind == Kind.FLUSH) {
                    while (group.size() < MAX_GROUP && lane.peek() != null && lane.peek().kind != Kind.READ) group.add(lane.poll());
                }
            }
            if (group.size() == 1) group.get(0).run();
            else commit(group);
            group.clear();
        }
    }

    /** A flush and the writes and flushes that were queued behind it: the writes in order, then one fdatasync for all the flushes. */
    private void commit(List<Request> group) {
        for (Request r : group) {
            if (r.kind == Kind.WRITE) r.run();
        }
        Exception failed = null;
        try {
            group.get(0).op.run();
        } catch (IOException | RuntimeException e) {
            failed = e;
        }
        for (Request r : group) {
            if (r.kind != Kind.FLUSH) continue;
            if (failed == null) r.done.complete(null);
            else r.done.completeExceptionally(failed);
        }
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
