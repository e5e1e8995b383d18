// The contract every memory-mapped device implements: register reads and writes, and its state.
package dev.lockstep.emulator.device;

import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;

/**
 * A memory-mapped device on the bus. Offsets are relative to the device's base; sizes are 1, 2, 4 or
 * 8 bytes. A device's whole guest-visible state goes through {@link #save}/{@link #restore}, so that a
 * snapshot restored into a fresh machine behaves exactly as the original (DESIGN §1).
 */
public interface Device {
    /** Short name for the DTB, the debugger and error messages. */
    String name();

    /** Size of the register window in bytes. */
    long size();

    long read(long offset, int size);

    void write(long offset, int size, long value);

    void save(StateWriter out);

    void restore(StateReader in);

    /** Called once per machine reset. */
    default void reset() {}
}
