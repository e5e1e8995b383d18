// `lockstep demo`: the bundled tour of what lockstep does, on bundled guests.
package dev.lockstep.shell;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.elf.ElfImage;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Runs the bundled racy guest twice with the same fixed RTC and shows the runs are identical (same
 * console, same final state hash), then once with another RTC value to show the outcome depends on input.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the bundled demo: the racy guest, deterministic under a fixed input, "
                + "different under another."})
final class DemoCommand implements Callable<Integer> {
    private record Outcome(String console, long hash, long instret, int exit) {}

    private static Outcome runRacy(long rtc) {
        ElfImage elf = Guests.load("racy");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Machine m = new Machine(MachineConfig.DEFAULT, InputPort.fixedClock(rtc), (k, i, d, o, l) -> {
            if (k == OutputKind.CONSOLE) out.write(d, o, l);
        });
        m.load(elf);
        while (!m.halted() && m.instret() < 1_000_000_000L) {
            Machine.Status s = m.run(m.instret() + 10_000_000);
            if (s == Machine.Status.IDLE) m.setTime(m.nextTimerTicks());
        }
        return new Outcome(out.toString(java.nio.charset.StandardCharsets.UTF_8), m.stateHash(), m.instret(), m.exitCode());
    }

    @Override
    public Integer call() {
        System.out.println("== lockstep demo: the racy guest (4 threads racing on a counter, preempted by the timer)");
        long seed = 1_700_000_000_000_000_000L;
        Outcome a = runRacy(seed);
        System.out.print(a.console.replace("\r\n", "\n"));
        Outcome b = runRacy(seed);
        System.out.printf("%n== run 1: %,d instructions, exit %d, state hash %016x%n", a.instret, a.exit, a.hash);
        System.out.printf("== run 2 (same RTC input): %,d instructions, exit %d, state hash %016x -> %s%n", b.instret,
                b.exit, b.hash, a.equals(b) ? "identical" : "DIFFERENT (determinism bug!)");
        Outcome c = null;
        for (long d = 1; d < 40; d++) {
            Outcome o = runRacy(seed + d * 7_919_000L);
            if (o.exit != a.exit) {
                c = o;
                break;
            }
        }
        if (c != null) {
            System.out.printf("== another RTC input gives a different outcome: exit %d, state hash %016x%n", c.exit, c.hash);
        }
        System.out.println("== Record/replay of such runs arrives with 'lockstep record' and 'lockstep replay'.");
        return a.equals(b) ? 0 : 1;
    }
}
