// Guest time as a pure function of the instruction number and the logged clock moves (DESIGN §3).
package dev.lockstep.emulator.cpu;

import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;

/**
 * mtime = base + (instret - instretAtBase) / instructionsPerTick. Nothing here reads a host clock:
 * time moves with retired instructions, and jumps only when a driver calls {@link #set} (an idle skip or
 * a sync to host time, both logged as CLOCK entries by the recorder).
 */
public final class GuestClock {
    /** The CLINT's timebase, as in QEMU virt and the generated DTB. */
    public static final long TIMEBASE_HZ = 10_000_000L;

    private final long instructionsPerTick;
    private long base;
    private long instretAtBase;

    public GuestClock(long instructionsPerTick) {
        if (instructionsPerTick <= 0) throw new IllegalArgumentException("instructions per tick must be positive");
        this.instructionsPerTick = instructionsPerTick;
    }

    public long instructionsPerTick() { return instructionsPerTick; }

    /** mtime at instruction number {@code instret}. */
    public long ticks(long instret) { return base + Math.floorDiv(instret - instretAtBase, instructionsPerTick); }

    /** The first instruction number at which mtime reaches {@code ticks}, or Long.MAX_VALUE if never reachable. */
    public long instretWhen(long ticks, long now) {
        if (Long.compareUnsigned(ticks, ticks(now)) <= 0) return now;
        long delta = ticks - base;
        if (delta < 0 || delta > Long.MAX_VALUE / instructionsPerTick - 1) return Long.MAX_VALUE;
        long at = instretAtBase + delta * instructionsPerTick;
        return at < 0 ? Long.MAX_VALUE : Math.max(at, now);
    }

    /** Moves guest time to {@code ticks} at instruction number {@code instret}. */
    public void set(long instret, long ticks) {
        base = ticks;
        instretAtBase = instret;
    }

    public void save(StateWriter w) { w.i64(base).i64(instretAtBase); }

    public void restore(StateReader r) {
        base = r.i64();
        instretAtBase = r.i64();
    }
}
