// `lockstep demo`: the bundled tour: record the racy guest until it loses updates, then replay the bug exactly.
package dev.lockstep.shell;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.run.LiveRunner;
import dev.lockstep.recorder.Recorder;
import dev.lockstep.replayer.Divergence;
import dev.lockstep.replayer.Replayer;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.traceformat.Trace;
import dev.lockstep.traceformat.TraceWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Records the bundled racy guest with the host clock as its RTC (as `lockstep record racy` does) until a run
 * breaks its invariant, bounded, then replays that trace with verification and says what it showed: the
 * same lost updates and the same final state hash, from the trace alone.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the bundled demo: record the racy guest until a run loses updates, then replay it",
                "with verification and show that the replay reproduces the bug exactly."})
final class DemoCommand implements Callable<Integer> {
    private static final int TRIES = 20;

    @Option(names = {"-o", "--trace"}, paramLabel = "DIR", description = "Keep the recorded trace in DIR (default: a temporary directory, deleted).")
    Path keep;

    private record Outcome(String console, long hash, long instret, int exit) {
        String verdict() {
            return console.lines().filter(l -> l.startsWith("racy: invariant")).findFirst().orElse("(no verdict)")
                    .substring("racy: ".length());
        }
    }

    private static Outcome record(Path dir) throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] elf = Guests.bytes("racy");
        Sessions.Spec spec = Sessions.Spec.elf("racy", elf, null);
        try (TraceWriter w = TraceWriter.create(dir, Sessions.header(MachineConfig.DEFAULT, spec))) {
            Machine m = new Machine(MachineConfig.DEFAULT, instret -> {
                java.time.Instant now = java.time.Instant.now();
                return now.getEpochSecond() * 1_000_000_000L + now.getNano();
            }, (k, i, d, o, l) -> {
                if (k == OutputKind.CONSOLE) out.write(d, o, l);
            });
            spec.bootInto(m);
            Recorder recorder = new Recorder(m, w, Recorder.Options.DEFAULT);
            HostInputQueue noKeyboard = new HostInputQueue();
            noKeyboard.close();
            recorder.end(new LiveRunner(m, noKeyboard, recorder).run(-1L));
            return new Outcome(out.toString(StandardCharsets.UTF_8), m.stateHash(), m.instret(), m.halted() ? m.exitCode() : -1);
        }
    }

    @Override
    public Integer call() throws Exception {
        Path base = keep != null ? keep : Files.createTempDirectory("lockstep-demo");
        try {
            return demo(base);
        } finally {
            if (keep == null) delete(base);
        }
    }

    private int demo(Path base) throws Exception {
        System.out.println("== lockstep demo: racy, 4 threads racing on a counter, preempted by the timer; its seed is the RTC");
        System.out.println("== recording 'lockstep record racy' (host clock as RTC) until a run loses updates:");
        Path trace = null;
        Outcome rec = null;
        for (int i = 1; i <= TRIES && trace == null; i++) {
            Path dir = base.resolve("racy-" + i);
            Outcome o = record(dir);
            System.out.printf("   run %d: %,d instructions, %s%n", i, o.instret, o.verdict());
            if (o.exit == 1) {
                trace = dir;
                rec = o;
            } else {
                delete(dir);
            }
        }
        if (trace == null) {
            System.out.println("== no run lost updates in " + TRIES + " tries (each run does with odds of about 1/2); try again");
            return 1;
        }
        try (Trace t = Trace.open(trace)) {
            System.out.printf("== recorded: %d entries %s, final state hash %016x%n", t.countsByType().values().stream()
                    .mapToLong(Long::longValue).sum(), t.countsByType(), rec.hash);
        }
        System.out.println("== replaying that trace with verification (no host clock, nothing but the trace):");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Outcome rep;
        long hashes, outputs;
        try (Replayer r = Replayer.open(trace)) {
            r.setSink((k, i, d, o, l) -> {
                if (k == OutputKind.CONSOLE) out.write(d, o, l);
            });
            try {
                r.run(-1L, null);
            } catch (Divergence d) {
                System.out.println("== DIVERGED (a determinism bug in lockstep!): " + d.getMessage());
                return 1;
            }
            Machine m = r.machine();
            rep = new Outcome(out.toString(StandardCharsets.UTF_8), m.stateHash(), m.instret(), m.halted() ? m.exitCode() : -1);
            hashes = r.hashesChecked();
            outputs = r.outputsChecked();
        }
        rep.console.lines().filter(l -> l.startsWith("racy: shared") || l.startsWith("racy: invariant"))
                .forEach(l -> System.out.println("   " + l));
        boolean same = rep.equals(rec);
        System.out.printf("== replay: %s console (%d bytes), %s, final state hash %016x; %d state hashes and %d outputs checked%n",
                rep.console.equals(rec.console) ? "the same" : "a DIFFERENT", rep.console.length(),
                rep.exit == rec.exit ? "the same " + rep.verdict() : "a DIFFERENT verdict", rep.hash, hashes, outputs);
        System.out.println(same ? "== the bug reproduced exactly from the trace: replay it as often as you like, or step through it"
                : "== the replay DIFFERS from the recording (a determinism bug in lockstep!)");
        if (keep != null) System.out.println("== trace kept: lockstep replay " + trace + " / lockstep events " + trace);
        return same ? 0 : 1;
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
