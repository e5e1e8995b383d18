// `lockstep run`: boot a guest with the console on stdin/stdout, as qemu-system-riscv64 -nographic would.
package dev.lockstep.shell;

import dev.lockstep.emulator.Machine;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.run.LiveRunner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Runs a guest live. Exit status is the guest's (sifive_test or tohost). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a guest on the lockstep machine with its console on stdin/stdout.", "",
                "The machine is QEMU virt compatible (one RV64GC hart, or --smp N, with",
                "Zihintpause, Sstc and Sdtrig triggers; M/S/U modes and Sv39/Sv48 paging;",
                "CLINT, PLIC, ns16550a UART, sifive_test, goldfish RTC, virtio-mmio",
                "blk/net/rng, RAM at 0x80000000, and a generated DTB), so 'qemu-system-riscv64",
                "-M virt -nographic -bios none -kernel GUEST' runs the same image, and",
                "--bios/--kernel/--initrd boot firmware and Linux as QEMU does.",
                "On a terminal, input is raw and Ctrl-A X quits; SIGTERM or SIGINT quit too,",
                "after --stats. The exit status is the guest's (sifive_test or tohost), 3 when",
                "--max-instructions stopped it, 4 when it waits for input that cannot come."},
        footer = {"", "GUEST is an ELF file, or a bundled guest: hello, selftest, racy, bench, bench-small,",
                "vmtest, fptest, kvserver (which needs --drive and --netdev: see guests/README.md).",
                "Firmware boots as under QEMU: lockstep run --bios u-boot.bin --drive file=disk.img"})
final class RunCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;

    @Parameters(paramLabel = "GUEST", arity = "0..1",
            description = "The guest ELF image to run (the same as --kernel GUEST without --bios).")
    String guest;

    @Option(names = "--signature", paramLabel = "FILE", description = {"When the run ends, write the memory from the "
            + "GUEST's begin_signature symbol to its end_signature to FILE, a hex line per granule, the most significant "
            + "byte first: riscv-arch-test's signature, as spike's +signature=FILE writes it (the test ends by writing tohost)."})
    Path signature;

    @Option(names = "--signature-granularity", paramLabel = "BYTES", defaultValue = "4",
            description = "Bytes per line of --signature: 1, 2, 4 (the default) or 8.")
    int signatureGranularity;

    @Override
    public Integer call() throws Exception {
        Sessions.Spec spec = options.spec(guest, "run");
        Signature sig = signature == null ? null : Signature.of(signature, spec.elfName(), spec.elf(), signatureGranularity);
        HostDevices.applyJournal(options, msg -> System.err.println("lockstep: " + msg));
        HostInputQueue queue = new HostInputQueue();
        // SIGINT or SIGTERM (kill, timeout, Ctrl-C where the terminal is not raw) ends the run as Ctrl-A X does:
        // --stats is printed and the devices (the disk image's writes) are closed before the JVM exits.
        try (QuitOnSignal signal = new QuitOnSignal("run-signal");
             Console console = new Console(queue, System.out)) {
            Machine m = new Machine(options.config(), options.rtcPort(), console);
            try (HostDevices devices = new HostDevices(m, options, queue)) {
                m.setOutput(devices.route(console));
                if (devices.feedsInput()) console.notLastSource();
                spec.bootInto(m);
                int status = runLive(m, queue, console, options, signal, new LiveRunner.Hooks() {
                    @Override
                    public void afterQuantum(Machine machine) { console.flush(); }
                });
                if (sig != null) sig.write(m); // however the run ended: a test cut short shows how far it got
                return status;
            }
        }
    }

    /** The live loop shared by run and record: console, stats, and the exit status. */
    static int runLive(Machine m, HostInputQueue queue, Console console, RunOptions options, QuitOnSignal signal,
                       LiveRunner.Hooks hooks) throws InterruptedException {
        LiveRunner runner = new LiveRunner(m, queue, hooks).realTimeIdle(options.realTimeIdle());
        console.onQuit(runner::quit);
        signal.runner(runner);
        console.start(true);
        long t0 = System.nanoTime();
        LiveRunner.End end = runner.run(options.limit());
        long wall = System.nanoTime() - t0;
        console.flush();
        if (options.stats) {
            printStats(m, wall);
        }
        if (end != LiveRunner.End.HALTED && end != LiveRunner.End.QUIT) System.err.printf("%nlockstep: %s%n", describe(end, m));
        return exitStatus(end, m);
    }

    /** A sentence on how a live run ended. */
    static String describe(LiveRunner.End end, Machine m) {
        return switch (end) {
            case HALTED -> "the guest stopped: " + m.haltReason() + ", exit code " + m.exitCode();
            case QUIT -> "quit at instruction " + String.format("%,d", m.instret());
            case MAX_INSTRUCTIONS -> String.format("stopped after %,d instructions (--max-instructions)", m.instret());
            case STUCK -> String.format("the guest is stuck: every instruction traps and none retires (its trap handler"
                    + " traps too: mcause %d, mepc 0x%x); stopped at instruction %,d", m.hart().readCsr(0x342),
                    m.hart().readCsr(0x341), m.instret());
            case IDLE_FOREVER -> String.format("the guest waits for an interrupt with no timer armed and no more input;"
                    + " stopped at instruction %,d", m.instret());
        };
    }

    /** The --stats line: instructions, wall time of the run loop, MIPS, and how many run per block dispatch. */
    static void printStats(Machine m, long wallNanos) {
        System.err.printf("lockstep: %,d instructions in %.3f s: %.1f MIPS, %.1f instructions per block dispatch%n",
                m.instret(), wallNanos / 1e9, m.instret() / (wallNanos / 1e3),
                (double) m.instret() / Math.max(1, m.dispatches()));
    }

    /** The exit status of a live run: the guest's, or 3 / 4 when lockstep stopped it. */
    static int exitStatus(LiveRunner.End end, Machine m) {
        return switch (end) {
            case HALTED -> m.exitCode();
            case QUIT -> 0;
            case MAX_INSTRUCTIONS -> 3;
            case IDLE_FOREVER, STUCK -> 4;
        };
    }
}
