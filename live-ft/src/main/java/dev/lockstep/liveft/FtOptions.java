// Tuning of an FT pair: heartbeat interval, failure timeout and the bound on backup lag (docs/live-ft.md).
package dev.lockstep.liveft;

/**
 * @param heartbeatMillis a side that has sent nothing for this long sends a keep-alive
 * @param timeoutMillis a side that has heard nothing for this long declares its peer failed
 * @param maxLagEntries the primary waits at a quantum boundary while more entries than this are unacknowledged
 * @param maxLagInstructions ... or while the backup's replay is more than this many instructions behind
 * @param quantum instructions between the primary's looks at input, heartbeats and batches sent
 * @param durability what output behind a guest's disk flush waits for (see {@link Durability})
 */
public record FtOptions(int heartbeatMillis, int timeoutMillis, long maxLagEntries, long maxLagInstructions, long quantum,
        Durability durability) {
    public static final FtOptions DEFAULT = new FtOptions(50, 300, 100_000, 500_000_000L, 200_000, Durability.DISK);

    /** When a guest's disk flush counts as done for the output held behind it, with a backup. */
    public enum Durability {
        /** Once the flush is on the shared disk (fdatasync), and the backup has the log: as a plain run, one round trip later. */
        DISK,
        /**
         * Once the backup has the log, which holds the writes: they reach the disk right after and are flushed in
         * the background, and the backup keeps each until the primary says it is durable, to write it again if it
         * goes live. A reply then survives the failure of either side (DRBD's protocol B, Remus), not of both.
         */
        REPLICA
    }

    /**
     * How long a side waits for a backup that is building its machine and trace, and catching up with the log
     * that came meanwhile, before it counts its silence as failure: ten timeouts, at least 3 s. A fresh JVM's
     * build starved both processes' threads (and the backup's channel watchdog saw its own read as silent)
     * past 300 ms on two cores; a process that hangs then holds output this long, not a minute.
     */
    public int buildingTimeoutMillis() { return Math.max(10 * timeoutMillis, 3000); }

    /** These options with {@code d} as the durability. */
    public FtOptions withDurability(Durability d) {
        return new FtOptions(heartbeatMillis, timeoutMillis, maxLagEntries, maxLagInstructions, quantum, d);
    }

    public FtOptions {
        java.util.Objects.requireNonNull(durability, "durability");
        if (heartbeatMillis < 1 || timeoutMillis <= heartbeatMillis) {
            throw new dev.lockstep.emulator.LockstepException("the failure timeout (" + timeoutMillis
                    + " ms) must be longer than the heartbeat interval (" + heartbeatMillis + " ms)");
        }
    }
}
