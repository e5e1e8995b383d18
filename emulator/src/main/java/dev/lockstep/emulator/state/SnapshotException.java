// A snapshot that cannot be restored: wrong machine shape, truncated or corrupt.
package dev.lockstep.emulator.state;

/** Thrown when restoring a snapshot that does not fit this machine. The message is for users. */
public final class SnapshotException extends dev.lockstep.emulator.LockstepException {
    public SnapshotException(String message) { super(message); }
}
