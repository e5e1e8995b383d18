// A redo journal next to a shared disk image: an FT primary's guest writes, durable before the image has them.
package dev.lockstep.liveft;

import dev.lockstep.emulator.LockstepException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Under {@code --durability disk}, a guest write may reach the shared image only once the backup has the
 * log up to it (the output rule), and a reply behind the guest's flush only once the write is durable.
 * Doing both in turn costs a round trip plus an fdatasync of the image per commit. So the primary writes
 * each guest write here as it is issued ({@link #append}, the page cache only) and makes the journal
 * durable when the guest flushes ({@link #force}, on the journal's own thread): the fdatasync runs while
 * the log travels to the backup, and the reply waits for both. The image gets the write after the ack as
 * before, and is flushed in the background; once it is durable through a write, that write's record may
 * be overwritten ({@link #imageDurableUpTo}).
 *
 * <p>A record here is not on the disk: nothing reads the journal while a primary or its backup lives. A
 * backup that goes live writes again, from its own log, every write the image may lack, then replaces the
 * journal with its own ({@link #create} unlinks the old file, so an old primary cut off by a partition
 * that still appends writes to a file nobody will read). Only when both sides are gone does the next
 * start ({@link #recover}) write the journal's records into the image: a prefix, in issue order, of the
 * writes the guest issued, each of which it was told was done, so the image is one the guest could have
 * left had it crashed at that point, with every write it flushed.
 *
 * <p>Layout: two 512-byte header slots (written in turn, the valid one with the higher sequence wins, so
 * a torn header write loses nothing), then a ring of records from byte {@value #RING_START}. The header
 * names the journal's generation (random per journal), the first write whose record is needed (the
 * image is durable before it) and where that record is. A record is its write's index, byte offset,
 * length, generation and data under a CRC-32C; recovery reads records from the header's, each the next
 * index, and stops at the first that is missing, torn or from another generation. A write too large for
 * the ring has a record without its data, which recovery steps over: the primary makes the image durable
 * through that write before any later flush completes (see {@link #append}). A record never
 * straddles the ring's end: one that would not fit starts at the ring's beginning. The file is sparse
 * (an fdatasync of preallocated blocks measured no faster here).
 */
public final class RedoJournal implements AutoCloseable {
    /** The journal of {@code image}: a file next to it. */
    public static Path pathFor(Path image) { return image.resolveSibling(image.getFileName() + ".redo"); }

    /** Bytes in a journal by default: ample for the writes between two background flushes of the image. */
    public static final long DEFAULT_CAPACITY = 64L << 20;

    static final int RING_START = 4096;
    /** One generator for all journals: seeding a new one costs milliseconds, on the path of a backup going live. */
    private static final SecureRandom GENERATIONS = new SecureRandom();
    private static final int SLOT = 512;
    private static final long HEADER_MAGIC = 0x4c53_5245_444f_3031L; // "LSREDO01"
    private static final int RECORD_MAGIC = 0x4c53_5231; // "LSR1"
    /** magic, length, generation, index, offset, crc. */
    static final int RECORD_HEADER = 4 + 4 + 8 + 8 + 8 + 4;
    /** The length of a record whose write is not in the journal: it was too large for the ring. */
    private static final int NOT_HERE = -1;

    /** How the journal's records are made durable: an fdatasync of its file (a test may hold it back). */
    interface Sync {
        void force(FileChannel file) throws IOException;
    }

    private final Path path;
    private final FileChannel file;
    private final long ringSize;
    private final long generation;
    private final Thread thread;
    private final Sync sync;
    /** The file's identity, so that {@link #delete} never removes a journal another primary created since. */
    private Object fileKey;

    // Guarded by this.
    /** The next write's index and where its record goes (a virtual position: the ring's byte is it modulo ringSize). */
    private long nextIndex, nextPos;
    /** Where each record not yet freed starts, as (index, position), in order: trimmed as the image becomes durable. */
    private final ArrayDeque<long[]> positions = new ArrayDeque<>();
    /** The header on disk: records before its position may be overwritten. */
    private long headerPos, headerSeq;
    /** What the journal's thread has to do: forces to complete, and the header to write (-1: none). */
    private List<CompletableFuture<Void>> forces = new ArrayList<>();
    private long headerIndexWanted = -1;
    private boolean closed;
    private IOException failure;

    private RedoJournal(Path path, FileChannel file, long ringSize, long generation, Sync sync) {
        this.path = path;
        this.sync = sync;
        this.file = file;
        this.ringSize = ringSize;
        this.generation = generation;
        this.thread = new Thread(this::work, "lockstep-redo");
        thread.setDaemon(true);
    }

    /**
     * A new, empty journal at {@code path}, replacing (unlinking) any file there: its records must be in
     * the image already, or be ones that must never reach it. Durable, directory entry included, on return.
     */
    public static RedoJournal create(Path path, long capacity) { return create(path, capacity, f -> f.force(false)); }

    /** {@link #create(Path, long)}, with the records made durable by {@code sync}. */
    static RedoJournal create(Path path, long capacity, Sync sync) {
        if (capacity < RING_START + 64 * 1024) throw new IllegalArgumentException("journal capacity " + capacity);
        try {
            Files.deleteIfExists(path);
            FileChannel f = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            RedoJournal j = new RedoJournal(path, f, capacity - RING_START, GENERATIONS.nextLong(), sync);
            try {
                f.write(ByteBuffer.wrap(new byte[1]), capacity - 1); // sparse: its size never changes after this
                j.writeHeader(0, 0);
                f.force(true);
                forceDirectory(path);
                j.fileKey = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            } catch (IOException | RuntimeException e) {
                j.close();
                throw e;
            }
            j.thread.start();
            return j;
        } catch (IOException e) {
            throw new LockstepException("cannot create the redo journal " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the journal at {@code path}, if any, without applying it: a primary without a journal
     * (under REPLICA) takes over from one that had one, after writing the writes its image may lack.
     */
    public static void discard(Path path) {
        try {
            if (Files.deleteIfExists(path)) forceDirectory(path);
        } catch (IOException e) {
            throw new LockstepException("cannot delete the redo journal " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the write whose index is the next one ({@code index}, checked) at once, to the page cache.
     * When the ring has no room, runs {@code beforeWait} (which must see that the writes held for the
     * backup's ack get it: the entries they wait for are sent) and waits for the image to become durable
     * through older records (whoever applies writes to the image flushes it; see {@link #roomWanted}):
     * the guest slows to its disk.
     *
     * <p>A write whose record would not fit the ring at all gets a record without its data, and this
     * returns false: the caller must then make the image durable through that write before a later flush
     * completes (recovery steps over it, so the writes after it are still applied).
     *
     * @return whether the write's data is in the journal
     * @throws LockstepException if the journal failed or was closed
     */
    public boolean append(long index, long offset, byte[] data, Runnable beforeWait) {
        boolean here = recordLength(data.length) <= ringSize;
        int length = recordLength(here ? data.length : 0);
        long pos;
        boolean told = false;
        while (true) {
            synchronized (this) {
                if (abandoned) return here;
                if (index != nextIndex) throw new IllegalStateException("write " + index + " where " + nextIndex + " was due");
                check();
                pos = nextPos;
                long inRing = pos % ringSize;
                if (inRing + length > ringSize) pos += ringSize - inRing; // starts the ring again
                if (pos + length - headerPos <= ringSize) {
                    roomWanted = false;
                    positions.add(new long[] {index, pos});
                    nextIndex = index + 1;
                    nextPos = pos + length;
                    break;
                }
                roomWanted = true;
                if (told) {
                    try {
                        wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new LockstepException("interrupted while waiting for room in the redo journal " + path);
                    }
                    continue;
                }
            }
            told = true;
            beforeWait.run(); // outside the lock: it may block on the channel
        }
        ByteBuffer r = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(RECORD_MAGIC).putInt(here ? data.length : NOT_HERE).putLong(generation).putLong(index).putLong(offset);
        CRC32C crc = new CRC32C();
        crc.update(r.array(), 0, RECORD_HEADER - 4);
        if (here) crc.update(data);
        r.putInt((int) crc.getValue());
        if (here) r.put(data);
        r.flip();
        try {
            writeFully(r, RING_START + pos % ringSize);
        } catch (IOException e) {
            failed(e);
            throw new UncheckedIOException("cannot write the redo journal " + path + ": " + e.getMessage(), e);
        }
        return here;
    }

    private volatile boolean abandoned;

    /**
     * This primary lost the service: its appends do nothing from now on (one waiting for room returns),
     * so that its loop reaches the quit it was told. The file stays for whoever replaced it.
     */
    public void abandon() {
        synchronized (this) {
            abandoned = true;
            notifyAll();
        }
    }

    /** Set while an append waits for room: whoever flushes the image should do it soon. */
    private volatile boolean roomWanted;

    /** Whether an append waits for the image to become durable (it frees the journal's oldest records). */
    public boolean roomWanted() { return roomWanted; }

    /** Every record appended before this call, durable once the future is done (one fdatasync for all forces waiting). */
    public CompletableFuture<Void> force() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (failure != null || closed) {
                f.completeExceptionally(failure != null ? failure : new IOException("the redo journal " + path + " is closed"));
                return f;
            }
            forces.add(f);
            notifyAll();
        }
        return f;
    }

    /**
     * The image is durable through the first {@code index} writes: their records are no longer needed. The
     * header moves past them (on the journal's thread, with an fdatasync), and then their room is free.
     */
    public void imageDurableUpTo(long index) {
        synchronized (this) {
            if (index > headerIndexWanted) headerIndexWanted = index;
            notifyAll();
        }
    }

    /** The journal's thread: fdatasyncs for the forces waiting, and header moves. */
    private void work() {
        while (true) {
            List<CompletableFuture<Void>> done;
            long moveTo;
            long movePos = -1;
            synchronized (this) {
                while (forces.isEmpty() && headerIndexWanted < 0 && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (forces.isEmpty() && headerIndexWanted < 0) return; // closed, nothing left
                done = forces;
                forces = new ArrayList<>();
                moveTo = headerIndexWanted;
                headerIndexWanted = -1;
                if (moveTo >= 0) {
                    moveTo = Math.min(moveTo, nextIndex);
                    while (!positions.isEmpty() && positions.peek()[0] < moveTo) positions.poll();
                    movePos = positions.isEmpty() ? nextPos : positions.peek()[1];
                    if (movePos <= headerPos) moveTo = -1;
                }
                if (moveTo < 0 && done.isEmpty()) continue; // the header is where it should be: nothing to sync
            }
            IOException e = null;
            try {
                if (moveTo >= 0) writeHeader(moveTo, movePos);
                sync.force(file);
            } catch (IOException x) {
                e = x;
                failed(x);
            }
            if (e == null && moveTo >= 0) {
                synchronized (this) {
                    headerPos = movePos;
                    notifyAll(); // an append waiting for room
                }
            }
            for (CompletableFuture<Void> f : done) {
                if (e == null) f.complete(null);
                else f.completeExceptionally(e);
            }
        }
    }

    /** Writes the header slot not written last: records before {@code pos} (writes before {@code index}) are free. */
    private void writeHeader(long index, long pos) throws IOException {
        long seq = ++headerSeq;
        ByteBuffer h = ByteBuffer.allocate(SLOT).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(HEADER_MAGIC).putLong(seq).putLong(generation).putLong(ringSize).putLong(index).putLong(pos);
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, h.position());
        h.putInt((int) crc.getValue());
        h.clear();
        writeFully(h, (seq & 1) * SLOT);
    }

    private void writeFully(ByteBuffer b, long at) throws IOException {
        long start = at - b.position();
        while (b.hasRemaining()) file.write(b, start + b.position());
    }

    private synchronized void failed(IOException e) {
        if (failure == null) failure = e;
        notifyAll();
    }

    private void check() {
        if (failure != null) throw new UncheckedIOException("the redo journal " + path + " failed: " + failure.getMessage(), failure);
        if (closed) throw new LockstepException("the redo journal " + path + " is closed");
    }

    /**
     * Closes and deletes the journal, once the image is durable through every write appended: nothing is
     * left to recover. A file that is no longer this journal (a backup that went live replaced it) stays.
     */
    public void delete() {
        close();
        try {
            Object key = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            if (key != null && key.equals(fileKey)) {
                Files.delete(path);
                forceDirectory(path);
            }
        } catch (IOException e) {
            // gone already, or not ours: nothing to settle
        }
    }

    /** The journal's file. */
    public Path path() { return path; }

    static int recordLength(int dataLength) { return (RECORD_HEADER + dataLength + 7) & ~7; }

    /** Stops the journal's thread (forces not done yet fail) and closes the file, which stays as it is. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> left;
        synchronized (this) {
            closed = true;
            left = forces;
            forces = new ArrayList<>();
            notifyAll();
        }
        for (CompletableFuture<Void> f : left) f.completeExceptionally(new IOException("the redo journal " + path + " is closed"));
        try {
            if (thread.isAlive()) thread.join(5000);
            file.close();
        } catch (IOException | InterruptedException e) {
            // closing at exit: nothing more to do
        }
    }

    // ------------------------------------------------------------------ recovery

    /**
     * If {@code image} has a journal (a pair that stopped with both sides gone), writes its records into
     * the image in order, makes the image durable and deletes the journal. Returns how many records it
     * wrote, or -1 without a journal. A journal whose header is unreadable is refused, not guessed at.
     */
    public static long recover(Path image, Consumer<String> log) {
        Path p = pathFor(image);
        if (!Files.exists(p)) return -1;
        try (FileChannel j = FileChannel.open(p, StandardOpenOption.READ);
             FileChannel img = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer best = null;
            for (int slot = 0; slot < 2; slot++) {
                ByteBuffer h = read(j, (long) slot * SLOT, SLOT);
                if (h == null || h.getLong(0) != HEADER_MAGIC) continue;
                CRC32C crc = new CRC32C();
                crc.update(h.array(), 0, 48);
                if ((int) crc.getValue() != h.getInt(48)) continue;
                if (best == null || h.getLong(8) > best.getLong(8)) best = h;
            }
            if (best == null) {
                throw new LockstepException("the redo journal " + p + " has no valid header; the image " + image
                        + " may lack writes its guest flushed. Move the journal aside to use the image as it is");
            }
            long generation = best.getLong(16), ringSize = best.getLong(24), index = best.getLong(32), pos = best.getLong(40);
            long capacity = img.size(), applied = 0, bytes = 0, notHere = 0;
            while (true) {
                ByteBuffer r = recordAt(j, generation, ringSize, index, pos, capacity);
                if (r == null && pos % ringSize != 0) { // a record that did not fit went to the ring's start
                    pos += ringSize - pos % ringSize;
                    r = recordAt(j, generation, ringSize, index, pos, capacity);
                }
                if (r == null) break;
                int length = r.getInt(4);
                long offset = r.getLong(24);
                if (length == NOT_HERE) {
                    notHere++; // the image has it, if a flush after it completed; else the guest was promised nothing of it
                    length = 0;
                } else {
                    ByteBuffer data = ByteBuffer.wrap(r.array(), RECORD_HEADER, length);
                    while (data.hasRemaining()) img.write(data, offset + data.position() - RECORD_HEADER);
                    applied++;
                    bytes += length;
                }
                index++;
                pos += recordLength(length);
            }
            img.force(true);
            j.close();
            Files.delete(p);
            forceDirectory(p);
            log.accept(String.format("wrote %,d disk writes (%,d bytes) from the redo journal %s into %s: the FT pair that"
                    + " used it stopped without settling it%s", applied, bytes, p.getFileName(), image.getFileName(),
                    notHere == 0 ? "" : String.format(" (%,d write(s) too large for it went to the image alone)", notHere)));
            return applied;
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw new LockstepException("cannot apply the redo journal " + p + " to " + image + ": " + e.getMessage(), e);
        }
    }

    /** The record of write {@code index} at ring position {@code pos}, whole and of this generation, or null. */
    private static ByteBuffer recordAt(FileChannel j, long generation, long ringSize, long index, long pos, long capacity)
            throws IOException {
        long inRing = pos % ringSize;
        if (inRing + RECORD_HEADER > ringSize) return null;
        ByteBuffer h = read(j, RING_START + inRing, RECORD_HEADER);
        if (h == null || h.getInt(0) != RECORD_MAGIC || h.getLong(8) != generation || h.getLong(16) != index) return null;
        int length = h.getInt(4) == NOT_HERE ? 0 : h.getInt(4);
        long offset = h.getLong(24);
        if (length < 0 || inRing + recordLength(length) > ringSize || offset < 0 || offset + length > capacity) return null;
        ByteBuffer r = read(j, RING_START + inRing, RECORD_HEADER + length);
        if (r == null) return null;
        CRC32C crc = new CRC32C();
        crc.update(r.array(), 0, RECORD_HEADER - 4);
        crc.update(r.array(), RECORD_HEADER, length);
        return (int) crc.getValue() == r.getInt(RECORD_HEADER - 4) ? r : null;
    }

    /** {@code n} bytes at {@code at}, little-endian, or null past the end of the file. */
    private static ByteBuffer read(FileChannel f, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (f.read(b, at + b.position()) < 0) return null;
        }
        return b.flip();
    }

    /** Makes {@code file}'s directory entry durable (a created or deleted journal must stay so after a crash). */
    private static void forceDirectory(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every platform can open a directory; the file's own data is durable
        }
    }
}
