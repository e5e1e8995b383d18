// Seeks a replayed trace to any instruction number, forwards or backwards, using checkpoints.
package dev.lockstep.replayer;

import dev.lockstep.emulator.Machine;
import dev.lockstep.traceformat.CheckpointInfo;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Time travel over a trace (DESIGN §8). Seek = restore the nearest checkpoint at or before the target
 * (an in-memory resume point or one of the trace's on-disk checkpoints, whichever is later), then replay
 * forward exactly to it. Resume points are taken while replaying and thinned so they stay dense near the
 * current position and sparse far from it, within a fixed count; unchanged RAM pages are shared between
 * them, so memory grows with what the guest wrote, not with RAM size.
 */
public final class TimeTravel implements AutoCloseable {
    private static final int MAX_POINTS = 48;
    private final Replayer replayer;
    private final TreeMap<Long, Replayer.Resume> points = new TreeMap<>();
    private final long end;

    private TimeTravel(Replayer replayer) {
        this.replayer = replayer;
        this.end = replayer.trace().totalInstructions();
        replayer.setSnapshotHook(intervalFor(end), r -> remember(r.capture()));
        remember(replayer.capture());
    }

    public static TimeTravel open(Path dir) { return new TimeTravel(Replayer.open(dir)); }

    /** Spacing of resume points while replaying: ~100 over the trace, between 1 M and 200 M instructions. */
    private static long intervalFor(long total) { return Math.max(1_000_000L, Math.min(200_000_000L, total / 100)); }

    public Replayer replayer() { return replayer; }
    public Machine machine() { return replayer.machine(); }
    public long now() { return replayer.machine().instret(); }
    /** The last instruction number of the recording. */
    public long end() { return end; }
    /** The first: 0, or where the trace of a backup that joined a running primary begins. */
    public long start() { return replayer.start(); }

    /** Moves to instruction {@code target} (clamped to the recording), replaying from the best resume point. */
    public void seek(long target) {
        long t = Math.max(start(), Math.min(target, end));
        if (t < now() || bestPointAtOrBefore(t) > now()) restoreBest(t);
        approach(t);
        replayer.run(t, null);
        thin();
    }

    /** Restores the latest point at or before {@code t}: in memory or on disk, whichever is later. */
    private void restoreBest(long t) {
        Map.Entry<Long, Replayer.Resume> mem = points.floorEntry(t);
        CheckpointInfo disk = null;
        for (CheckpointInfo c : replayer.trace().checkpoints().list()) {
            if (c.instret() <= t && (disk == null || c.instret() > disk.instret())) disk = c;
        }
        if (disk != null && (mem == null || disk.instret() > mem.getKey())) replayer.restoreCheckpoint(disk);
        else if (mem != null) replayer.restore(mem.getValue());
    }

    /** Distances before a seek's target at which resume points are left, so stepping back from there is cheap. */
    private static final long[] NEAR = {16L << 20, 1L << 20, 64L << 10};

    /**
     * On the way to {@code t}, leaves resume points a little before it (where no point is close already):
     * a reverse step or a short seek back then replays thousands of instructions, not a whole interval.
     */
    private void approach(long t) {
        for (long d : NEAR) {
            long at = t - d;
            if (at <= now()) continue;
            Long near = points.floorKey(t);
            if (near != null && near >= at - d / 2) continue;
            if (replayer.run(at, null) != Replayer.Stop.LIMIT) return;
            if (replayer.quiet()) remember(replayer.capture());
        }
    }

    /**
     * Instruction numbers below {@code t} from which a seek replays without another restore (in-memory resume
     * points and the trace's checkpoints), latest first, ending with {@link #start}. Backward searches replay the
     * intervals between them, latest first.
     */
    public java.util.List<Long> restorePointsBelow(long t) {
        java.util.TreeSet<Long> all = new java.util.TreeSet<>(points.headMap(t, false).keySet());
        for (CheckpointInfo c : replayer.trace().checkpoints().list()) if (c.instret() < t) all.add(c.instret());
        if (t > start()) all.add(start());
        return new java.util.ArrayList<>(all.descendingSet());
    }

    /** Replays forward from here up to {@code limit} with the machine's breakpoints and watchpoints; see {@link Replayer#run}. */
    public Replayer.Stop run(long limit) {
        Replayer.Stop s = replayer.run(Math.min(limit, end), null);
        thin();
        return s;
    }

    /** The latest point a seek to {@code t} could restore: in memory or one of the trace's checkpoints. */
    private long bestPointAtOrBefore(long t) {
        Long k = points.floorKey(t);
        long best = k == null ? -1 : k;
        for (CheckpointInfo c : replayer.trace().checkpoints().list()) if (c.instret() <= t && c.instret() > best) best = c.instret();
        return best;
    }

    private void remember(Replayer.Resume r) {
        points.put(r.instret(), r);
        thin();
    }

    /** Drops the point whose neighbours are closest relative to its distance from now, until few enough remain. */
    private void thin() {
        long here = now();
        while (points.size() > MAX_POINTS) {
            Long victim = null;
            double best = Double.MAX_VALUE;
            Long prev = null;
            for (Long k : points.keySet()) {
                Long next = points.higherKey(k);
                if (prev != null && next != null) {
                    double gap = (double) (next - prev);
                    double dist = Math.abs((double) (k - here)) + 1;
                    double score = gap / dist;
                    if (score < best) {
                        best = score;
                        victim = k;
                    }
                }
                prev = k;
            }
            if (victim == null) break;
            points.remove(victim);
        }
    }

    /** Number of in-memory resume points, and the distinct RAM pages they hold (shared pages counted once). */
    public int points() { return points.size(); }

    public long residentBytes() {
        java.util.IdentityHashMap<byte[], Boolean> seen = new java.util.IdentityHashMap<>();
        long bytes = 0;
        for (Replayer.Resume r : points.values()) {
            bytes += r.snapshot().core().length + r.console().length;
            for (byte[] p : r.snapshot().pages()) if (seen.put(p, Boolean.TRUE) == null) bytes += p.length;
        }
        return bytes;
    }

    @Override
    public void close() { replayer.close(); }
}
