// The single seam through which everything a guest emits leaves the machine.
package dev.lockstep.emulator.io;

/**
 * Receives guest output stamped with the instruction number that produced it. The recorder wraps it
 * to log OUTPUT entries; the FT primary holds output here until the backup has acknowledged the log.
 */
@FunctionalInterface
public interface OutputSink {
    void output(OutputKind kind, long instret, byte[] data, int off, int len);

    OutputSink DISCARD = (k, i, d, o, l) -> { };
}
