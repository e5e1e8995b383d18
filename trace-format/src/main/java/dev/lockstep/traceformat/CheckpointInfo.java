// What the checkpoint index knows about one stored checkpoint, without reading it.
package dev.lockstep.traceformat;

/**
 * @param id the checkpoint's id, from 1, in the order checkpoints were written
 * @param instret the instruction number the snapshot was taken at
 * @param baseId the checkpoint this delta builds on, or 0 for a full checkpoint
 */
public record CheckpointInfo(long id, long instret, long baseId) {
    public boolean isFull() {
        return baseId == 0;
    }
}
