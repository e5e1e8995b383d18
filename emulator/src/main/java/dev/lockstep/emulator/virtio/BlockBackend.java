// Where virtio-blk's requests go: the live image file, or a replayer that answers from the log.
package dev.lockstep.emulator.virtio;

/**
 * The host side of a virtio-blk disk. It never touches guest memory: it receives the request (with the
 * data of a write, copied out of the guest when the guest notified), does it, and answers later with a
 * {@code DiskDone(requestId, status, data)} input event that the driver delivers to the machine. A
 * replayer's backend does nothing: its completions come from the log.
 */
public interface BlockBackend {
    /** Disk size in bytes, a multiple of 512. */
    long capacity();

    void read(long requestId, long offset, int length);

    void write(long requestId, long offset, byte[] data);

    void flush(long requestId);

    /**
     * Reads the image as it is now (private-disk mode: a DiskDone without data is filled from here when
     * it is delivered, so the log need not carry what the image already holds).
     */
    byte[] readNow(long offset, int length);
}
