// `lockstep record`: run a guest live, as `run` does, and write everything non-deterministic to a trace.
package dev.lockstep.shell;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.run.LiveRunner;
import dev.lockstep.emulator.run.InputScript;
import dev.lockstep.recorder.Recorder;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.traceformat.TraceWriter;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Records a session to a trace directory that `lockstep replay` reproduces bit for bit. */
@Command(name = "record", mixinStandardHelpOptions = true,
        description = {"Run a guest like 'lockstep run' and record the session to a trace directory.", "",
                "Every non-deterministic input (console bytes, clock moves, RTC reads, received frames, disk",
                "completions with the data read, entropy) is logged with the",
                "instruction number at which it reached the guest, with state hashes and checkpoints for",
                "verification and seeking. The trace replays bit for bit with 'lockstep replay'.", "",
                "Ctrl-A X on a terminal, SIGINT or SIGTERM end the session cleanly: the trace gets its END",
                "entry. A recorder that is killed outright leaves a trace that replays up to its last flush",
                "(at most 100 ms of input lost)."})
final class RecordCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Trace directory to create.")
    Path output;

    @Option(names = "--input", paramLabel = "FILE",
            description = "Scripted console input instead of stdin (lines: 'wait TEXT', 'send TEXT', 'sleep MS'; see docs).")
    Path input;

    @Option(names = "--chaos", paramLabel = "SEED", arity = "0..1", fallbackValue = "-1",
            description = "Perturb input delivery and idle-skip timing at random, so rare interleavings show up.")
    Long chaos;

    @Option(names = "--hash-interval", paramLabel = "N", defaultValue = "100000000",
            description = "Instructions between STATE_HASH entries (default: ${DEFAULT-VALUE}).")
    long hashInterval;

    @Option(names = "--checkpoint-interval", paramLabel = "N", defaultValue = "2000000000",
            description = "Instructions between checkpoints (default: ${DEFAULT-VALUE}).")
    long checkpointInterval;

    @Parameters(paramLabel = "GUEST", arity = "0..1", description = "The guest ELF image (or a bundled guest name), or use --bios/--kernel.")
    String guest;

    @Override
    public Integer call() throws Exception {
        Sessions.Spec spec = options.spec(guest, "record");
        HostInputQueue queue = new HostInputQueue();
        // The disk image goes into the header before the guest can write to it (and after an FT pair's journal).
        HostDevices.applyJournal(options, msg -> System.err.println("lockstep: " + msg));
        var header = Sessions.header(options.config(), spec, HostDevices.describe(options), HostDevices.diskImage(options));
        Machine m = new Machine(options.config(), options.rtcPort(), dev.lockstep.emulator.io.OutputSink.DISCARD);
        // SIGINT or SIGTERM (Ctrl-C on a cooked terminal, kill, timeout) ends the session as Ctrl-A X does:
        // the loop stops at the next boundary, END is logged and the trace is closed before the JVM exits.
        try (QuitOnSignal signal = new QuitOnSignal("record-signal")) {
            return record(spec, queue, header, m, signal);
        }
    }

    private Integer record(Sessions.Spec spec, HostInputQueue queue, dev.lockstep.traceformat.TraceHeader header, Machine m,
                           QuitOnSignal signal) throws Exception {
        try (Console console = new Console(queue, System.out);
             TraceWriter writer = TraceWriter.create(output, header);
             HostDevices devices = new HostDevices(m, options, queue)) {
            m.setOutput(devices.route(console));
            if (devices.feedsInput()) console.notLastSource();
            spec.bootInto(m);
            Recorder recorder = new Recorder(m, writer,
                    new Recorder.Options(hashInterval, checkpointInterval, 100));
            InputScript script = input == null ? null : InputScript.parse(input);
            LiveRunner.Hooks hooks = new LiveRunner.Hooks() {
                @Override
                public void beforeDeliver(dev.lockstep.emulator.io.InputEvent e, long instret) {
                    recorder.beforeDeliver(e, instret);
                }

                @Override
                public void afterQuantum(Machine machine) {
                    recorder.afterQuantum(machine);
                    console.flush();
                }
            };
            LiveRunner runner = new LiveRunner(m, queue, hooks).realTimeIdle(options.realTimeIdle());
            if (chaos != null) runner.chaos(new Random(chaos == -1 ? System.nanoTime() : chaos));
            if (script != null) runner.script(script);
            console.onQuit(runner::quit);
            signal.runner(runner);
            console.start(script == null);
            long t0 = System.nanoTime();
            LiveRunner.End end = runner.run(options.limit());
            recorder.end(end);
            console.flush();
            long wall = System.nanoTime() - t0;
            System.err.printf("lockstep: recorded %,d instructions to %s (%s), final state hash %016x%n", m.instret(),
                    output, RunCommand.describe(end, m), m.stateHash());
            if (options.stats) {
                RunCommand.printStats(m, wall);
            }
            return RunCommand.exitStatus(end, m);
        }
    }
}
