// Replay left the recording: where, at which entry, and what differed.
package dev.lockstep.replayer;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.traceformat.LogEntry;

/** The replayed machine disagrees with its recording. The message names the instruction and the entry. */
public final class Divergence extends LockstepException {
    private final long instret;
    private final transient LogEntry entry;
    private final String what;

    public Divergence(long instret, LogEntry entry, String what) {
        super("replay diverged at instruction " + String.format("%,d", instret) + (entry != null ? " at entry " + entry : "")
                + ": " + what);
        this.instret = instret;
        this.entry = entry;
        this.what = what;
    }

    /** What differed, without the position. */
    public String what() { return what; }

    public long instret() { return instret; }

    public LogEntry entry() { return entry; }
}
