// `lockstep run`: boot a guest with the console on stdin/stdout, as qemu-system-riscv64 -nographic would.
package dev.lockstep.shell;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.elf.ElfImage;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.run.LiveRunner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Runs a guest live. Exit status is the guest's (sifive_test or tohost). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a guest on the lockstep machine with its console on stdin/stdout.", "",
                "The machine is QEMU virt compatible (RV64IMAC, CLINT, ns16550a UART, sifive_test,",
                "goldfish RTC, RAM at 0x80000000), so 'qemu-system-riscv64 -M virt -nographic",
                "-bios none -kernel GUEST' runs the same image. On a terminal, input is raw and",
                "Ctrl-A X quits. The exit status is the guest's (sifive_test or tohost), 3 when",
                "--max-instructions stopped it, 4 when it waits for input that cannot come."},
        footer = {"", "GUEST is an ELF file, or a bundled guest: " + "hello, selftest, racy, bench, bench-small."})
final class RunCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;

    @Parameters(paramLabel = "GUEST", description = "The guest ELF image to run.")
    String guest;

    @Override
    public Integer call() throws Exception {
        ElfImage elf = Guests.load(guest);
        HostInputQueue queue = new HostInputQueue();
        try (Console console = new Console(queue, System.out)) {
            Machine m = new Machine(options.config(), options.rtcPort(), console);
            m.load(elf);
            return runLive(m, queue, console, options, new LiveRunner.Hooks() {
                @Override
                public void afterQuantum(Machine machine) { console.flush(); }
            });
        }
    }

    /** The live loop shared by run and record: console, stats, and the exit status. */
    static int runLive(Machine m, HostInputQueue queue, Console console, RunOptions options, LiveRunner.Hooks hooks)
            throws InterruptedException {
        LiveRunner runner = new LiveRunner(m, queue, hooks).realTimeIdle(options.realTimeIdle());
        console.onQuit(runner::quit);
        console.start(true);
        long t0 = System.nanoTime();
        LiveRunner.End end = runner.run(options.limit());
        long wall = System.nanoTime() - t0;
        console.flush();
        if (options.stats) {
            System.err.printf("lockstep: %,d instructions in %.3f s: %.1f MIPS%n", m.instret(), wall / 1e9,
                    m.instret() / (wall / 1e3));
        }
        return switch (end) {
            case HALTED -> m.exitCode();
            case QUIT -> 0;
            case MAX_INSTRUCTIONS -> {
                System.err.printf("%nlockstep: stopped after %,d instructions (--max-instructions)%n", m.instret());
                yield 3;
            }
            case IDLE_FOREVER -> {
                System.err.printf("%nlockstep: the guest waits for an interrupt with no timer armed and no more input;"
                        + " stopped at instruction %,d%n", m.instret());
                yield 4;
            }
        };
    }
}
