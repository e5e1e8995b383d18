// The machine loop for live input: runs in quanta, delivers queued host input at boundaries, skips idle time.
package dev.lockstep.emulator.run;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.cpu.GuestClock;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputEvent;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Drives a machine with real input: the loop that `run`, the recorder and the FT primary share.
 * Host threads only queue events; this loop takes them at an instruction boundary, tells the
 * {@link Hooks} (the recorder logs them there, stamped with the instruction number) and delivers them.
 * When the guest idles in WFI, the loop waits in real time for the next timer deadline or input,
 * whichever comes first, and moves guest time once for the whole skip, so an idle guest costs no CPU.
 */
public final class LiveRunner {
    /** Where a driver observes what the loop feeds the machine. */
    public interface Hooks {
        /** Called just before {@code event} is delivered at instruction {@code instret}. */
        default void beforeDeliver(InputEvent event, long instret) {}

        /** Called between quanta (flush output, write progress, send heartbeats). */
        default void afterQuantum(Machine machine) {}
    }

    /** How a run ended. */
    public enum End { HALTED, MAX_INSTRUCTIONS, QUIT, IDLE_FOREVER, STUCK }

    private final Machine machine;
    private final HostInputQueue queue;
    private final Hooks hooks;
    private final AtomicBoolean quit = new AtomicBoolean();
    private long quantum = 2_000_000;
    private boolean realTimeIdle = true;
    private java.util.Random chaos;
    private InputScript script;

    public LiveRunner(Machine machine, HostInputQueue queue, Hooks hooks) {
        this.machine = machine;
        this.queue = queue;
        this.hooks = hooks;
    }

    /** Instructions between looks at the input queue: bounds input latency, not correctness. */
    public LiveRunner quantum(long instructions) {
        this.quantum = instructions;
        return this;
    }

    /** With false, idle time is skipped at once to the next deadline instead of waited out. */
    public LiveRunner realTimeIdle(boolean on) {
        this.realTimeIdle = on;
        return this;
    }

    /**
     * Chaos mode (after rr's): quanta of random length, so input lands at random instruction numbers, and
     * idle skips cut short at random, so timer-driven code wakes at unusual points.
     */
    public LiveRunner chaos(java.util.Random random) {
        this.chaos = random;
        return this;
    }

    /** Takes console input from a script instead of (in addition to) the queue. */
    public LiveRunner script(InputScript s) {
        this.script = s;
        dev.lockstep.emulator.io.OutputSink down = machine.output();
        machine.setOutput((k, i, d, o, l) -> {
            if (k == dev.lockstep.emulator.io.OutputKind.CONSOLE) s.observe(d, o, l);
            down.output(k, i, d, o, l);
        });
        return this;
    }

    /** Asks the loop to end at the next boundary (Ctrl-A X, a signal). Thread-safe. */
    public void quit() {
        quit.set(true);
        machine.requestStop();
        queue.put(new InputEvent.ConsoleInput(new byte[0]));
    }

    public End run(long maxInstructions) throws InterruptedException {
        while (true) {
            if (quit.get()) return End.QUIT;
            if (machine.halted()) return End.HALTED;
            if (Long.compareUnsigned(machine.instret(), maxInstructions) >= 0) return End.MAX_INSTRUCTIONS;
            InputEvent e;
            while ((e = queue.poll()) != null) deliver(e);
            if (script != null) {
                while ((e = script.ready(machine)) != null) deliver(e);
                if (script.done()) {
                    queue.close();
                    script = null;
                }
            }
            long q = chaos == null ? quantum : 1 + (long) (chaos.nextDouble() * quantum);
            long next = machine.instret() + q;
            long target = Long.compareUnsigned(next, maxInstructions) < 0 ? next : maxInstructions;
            Machine.Status s = machine.run(target);
            hooks.afterQuantum(machine);
            switch (s) {
                case HALTED -> { return End.HALTED; }
                case LIMIT, STOPPED, BREAKPOINT, WATCHPOINT -> { }
                case IDLE -> {
                    // A wait the last quantum satisfied types now, not at the guest's next timer wake-up (or never).
                    InputEvent ready = script != null ? script.ready(machine) : null;
                    if (ready != null) deliver(ready);
                    else if (!idle()) return End.IDLE_FOREVER;
                }
                case STUCK -> { return End.STUCK; }
            }
        }
    }

    private void deliver(InputEvent e) {
        if (e instanceof InputEvent.ConsoleInput c && c.bytes().length == 0) return;
        hooks.beforeDeliver(e, machine.instret());
        machine.deliver(e);
    }

    /** Handles a WFI with nothing pending. Returns false if nothing can ever wake the guest. */
    private boolean idle() throws InterruptedException {
        long now = machine.time();
        long next = machine.nextTimerTicks();
        if (script != null && script.wakeTicks() >= 0 && Long.compareUnsigned(script.wakeTicks(), next) < 0) {
            next = script.wakeTicks();
        }
        boolean timer = next != -1L && Long.compareUnsigned(next, now) > 0;
        if (chaos != null && timer && chaos.nextBoolean()) {
            next = now + 1 + (long) (chaos.nextDouble() * (next - now - 1));
        }
        if (!timer && queue.isClosed() && (script == null || script.wakeTicks() < 0)) return false;
        if (!realTimeIdle) {
            InputEvent e = queue.poll();
            if (e == null && !timer) e = queue.await(Long.MAX_VALUE);
            if (e == null) {
                deliver(new InputEvent.Clock(next));
                return true;
            }
            deliver(new InputEvent.Clock(now + 1));
            deliver(e);
            return true;
        }
        long waitNanos = timer ? ticksToNanos(next - now) : Long.MAX_VALUE;
        long t0 = System.nanoTime();
        InputEvent e = queue.await(waitNanos);
        // No more host input can come (a script, or stdin at EOF): the deadline still takes real time.
        if (e == null && timer && queue.isClosed()) waitOut(t0, waitNanos);
        if (quit.get()) return true;
        long elapsed = nanosToTicks(System.nanoTime() - t0);
        long to = timer ? Math.min(next, now + Math.max(1, elapsed)) : now + Math.max(1, elapsed);
        if (e == null) to = timer ? next : to;
        deliver(new InputEvent.Clock(to));
        if (e != null) deliver(e);
        return true;
    }

    private void waitOut(long t0, long nanos) throws InterruptedException {
        long left;
        while (!quit.get() && (left = nanos - (System.nanoTime() - t0)) > 0) {
            Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100));
        }
    }

    private static long ticksToNanos(long ticks) {
        return ticks > Long.MAX_VALUE / 100 ? Long.MAX_VALUE : ticks * (1_000_000_000L / GuestClock.TIMEBASE_HZ);
    }

    private static long nanosToTicks(long nanos) { return nanos / (1_000_000_000L / GuestClock.TIMEBASE_HZ); }
}
