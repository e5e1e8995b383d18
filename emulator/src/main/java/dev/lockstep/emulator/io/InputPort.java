// The single seam for synchronous reads of the outside world (the RTC today).
package dev.lockstep.emulator.io;

/**
 * Answers the guest's synchronous reads of host state. A recorder wraps it to log WALL entries; a
 * replayer answers from the log. Asynchronous input (console bytes, frames, completions) does not come
 * through here: drivers deliver it with {@code Machine.deliver} at an instruction boundary.
 */
public interface InputPort {
    /** The wall clock in nanoseconds since the epoch, read by the guest at instruction {@code instret}. */
    long wallClockNanos(long instret);

    /** A port whose wall clock is a fixed value: deterministic runs without a trace. */
    static InputPort fixedClock(long nanos) { return instret -> nanos; }
}
