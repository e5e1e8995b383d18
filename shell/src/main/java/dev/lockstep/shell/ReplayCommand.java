// `lockstep replay`: reproduce a recorded session from its trace, checking it as it goes.
package dev.lockstep.shell;

import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.replayer.Divergence;
import dev.lockstep.replayer.Replayer;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Replays a trace: prints the guest's console output again and checks every hash and output. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay a recorded trace bit for bit, printing the guest's console output again.", "",
                "Every input is delivered at its recorded instruction number; every STATE_HASH and OUTPUT",
                "entry is checked, and the first mismatch stops the replay with the instruction number,",
                "the entry and what differs. Replay never reads a host clock and never waits.", "",
                "Exit status: with --verify, 0 only if the replay reached the end and everything matched,",
                "1 on a divergence; without it, the guest's exit status. 2 on a bad trace."})
final class ReplayCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "The trace directory.")
    Path dir;

    @Option(names = "--verify", description = "Report verification results and exit 0 only if everything matched.")
    boolean verify;

    @Option(names = "--to", paramLabel = "N", description = "Stop at instruction N.")
    Long to;

    @Option(names = {"-q", "--quiet"}, description = "Do not print the guest's console output.")
    boolean quiet;

    @Option(names = "--gdb", paramLabel = "PORT", description = {"Serve gdb's remote protocol on 127.0.0.1:PORT (0: any free "
            + "port) instead of replaying to the end; reverse-stepi and reverse-continue work. In gdb: target remote "
            + "127.0.0.1:PORT"})
    Integer gdb;

    @Override
    public Integer call() throws Exception {
        if (gdb != null) return serveGdb();
        OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
        try (Replayer r = Replayer.open(dir); Progress progress = new Progress("replay", r.trace().totalInstructions())) {
            if (!quiet) r.setSink((k, i, d, o, l) -> {
                if (k == OutputKind.CONSOLE) {
                    try {
                        out.write(d, o, l);
                    } catch (java.io.IOException e) {
                        // stdout closed: keep replaying
                    }
                }
            });
            long t0 = System.nanoTime();
            Replayer.Stop stop;
            try {
                stop = r.run(to != null ? to : -1L, progress::update);
            } catch (Divergence d) {
                out.flush();
                progress.close();
                System.err.println();
                System.err.println("lockstep: " + d.getMessage());
                return 1;
            }
            out.flush();
            progress.close();
            long wall = System.nanoTime() - t0;
            long n = r.machine().instret();
            switch (stop) {
                case END -> { }
                case LIMIT -> System.err.printf("lockstep: stopped at instruction %,d (--to)%n", n);
                case TRUNCATED -> System.err.printf("lockstep: the trace ends at instruction %,d without an END entry "
                        + "(the recorder was cut off); replayed everything up to there%n", n);
            }
            if (verify) {
                long replayed = n - r.start();
                String from = r.start() == 0 ? "" : String.format(" (%,d to %,d: the trace of a backup that joined there)", r.start(), n);
                System.err.printf("lockstep: verified %,d instructions%s: %d state hashes and %d outputs matched, "
                        + "%,d entries, final state hash %016x, %.1f MIPS%n", replayed, from, r.hashesChecked(), r.outputsChecked(),
                        r.entriesApplied(), r.machine().stateHash(), replayed / Math.max(1.0, wall / 1e3));
                return 0;
            }
            return r.end() != null ? r.end().exitCode() : 0;
        }
    }

    private int serveGdb() throws Exception {
        try (dev.lockstep.shell.debug.Debugger dbg = dev.lockstep.shell.debug.Debugger.open(dir);
             dev.lockstep.shell.debug.GdbStub stub = new dev.lockstep.shell.debug.GdbStub(dbg, gdb)) {
            System.err.printf("lockstep: gdb stub on 127.0.0.1:%d for %s (%,d instructions); in gdb: target remote 127.0.0.1:%d%n",
                    stub.port(), dir, dbg.end(), stub.port());
            stub.serveOne();
            return 0;
        }
    }
}
