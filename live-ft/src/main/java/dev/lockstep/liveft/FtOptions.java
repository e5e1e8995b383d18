// Tuning of an FT pair: heartbeat interval, failure timeout and the bound on backup lag (docs/live-ft.md).
package dev.lockstep.liveft;

/**
 * @param heartbeatMillis a side that has sent nothing for this long sends a keep-alive
 * @param timeoutMillis a side that has heard nothing for this long declares its peer failed
 * @param maxLagEntries the primary waits at a quantum boundary while more entries than this are unacknowledged
 * @param maxLagInstructions ... or while the backup's replay is more than this many instructions behind
 * @param quantum instructions between the primary's looks at input, heartbeats and batches sent
 */
public record FtOptions(int heartbeatMillis, int timeoutMillis, long maxLagEntries, long maxLagInstructions, long quantum) {
    public static final FtOptions DEFAULT = new FtOptions(50, 300, 100_000, 500_000_000L, 200_000);

    public FtOptions {
        if (heartbeatMillis < 1 || timeoutMillis <= heartbeatMillis) {
            throw new dev.lockstep.emulator.LockstepException("the failure timeout (" + timeoutMillis
                    + " ms) must be longer than the heartbeat interval (" + heartbeatMillis + " ms)");
        }
    }
}
