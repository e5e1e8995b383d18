// Runs firmware on a lockstep machine for a scripted console conversation.
package dev.lockstep.emulator.firmware;

import dev.lockstep.emulator.Boot;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.host.FileDisk;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.virtio.VirtioBlk;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The machine loop of a test: runs in quanta, delivers disk completions queued by the host thread, and
 * skips idle time at once. Waiting is bounded by an instruction budget, so a stuck guest fails the test.
 */
final class LockstepSession implements ConsoleSession {
    private static final long BUDGET = 4_000_000_000L, QUANTUM = 1_000_000;
    private final StringBuilder out = new StringBuilder();
    private final HostInputQueue queue = new HostInputQueue();
    private final Machine machine;
    private FileDisk disk;

    LockstepSession(Boot boot, Path drive) {
        machine = new Machine(MachineConfig.DEFAULT, InputPort.fixedClock(1_700_000_000_000_000_000L), (k, i, d, o, l) -> {
            if (k == OutputKind.CONSOLE) out.append(new String(d, o, l, StandardCharsets.ISO_8859_1));
        });
        if (drive != null) {
            disk = new FileDisk(drive, queue::put, true);
            machine.attach(new VirtioBlk(disk, ""));
        }
        machine.boot(boot);
    }

    Machine machine() { return machine; }

    @Override
    public int waitFor(String text, int from) {
        while (true) {
            int i = out.indexOf(text, from);
            if (i >= 0) return i + text.length();
            if (machine.halted() || machine.instret() > BUDGET) {
                throw new AssertionError("lockstep never printed '" + text + "'; transcript:\n" + out);
            }
            InputEvent e;
            while ((e = queue.poll()) != null) machine.deliver(e);
            Machine.Status s = machine.run(machine.instret() + QUANTUM);
            if (s == Machine.Status.IDLE) {
                long next = machine.nextTimerTicks();
                if (next == -1L) throw new AssertionError("guest idles with no timer while waiting for '" + text + "'");
                machine.setTime(next);
            }
        }
    }

    @Override
    public void type(String s) { machine.deliver(new InputEvent.ConsoleInput(s.getBytes(StandardCharsets.ISO_8859_1))); }

    @Override
    public String transcript() { return out.toString(); }

    @Override
    public void close() {
        if (disk != null) disk.close();
    }
}
