// Test support: records a guest session in-process with the Recorder, and replays a trace with verification.
package dev.lockstep.recorder;

import dev.lockstep.emulator.Boot;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.run.InputScript;
import dev.lockstep.emulator.run.LiveRunner;
import dev.lockstep.replayer.Replayer;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.traceformat.TraceWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import dev.lockstep.emulator.TestGuests;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;

/** Records and replays sessions the way `lockstep record` and `lockstep replay --verify` do, without a process. */
final class Recordings {
    private Recordings() {}

    /** What a session left behind: how it ended, its console, and the final machine state. */
    record Outcome(int exit, long instret, long hash, String console) {}

    /** The host clock, as `--rtc host` reads it. */
    static final InputPort HOST_RTC = instret -> {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };

    /** One recording's settings; the defaults are those of a plain `lockstep record GUEST`. */
    record Setup(Sessions.Spec spec, InputPort rtc, InputScript script, Long chaosSeed,
                 boolean realTimeIdle, long maxInstructions, Recorder.Options options) {
        static Setup guest(String name) {
            return new Setup(Sessions.Spec.elf(name, TestGuests.bytes(name), null), HOST_RTC, null, null,
                    true, -1L, Recorder.Options.DEFAULT);
        }

        static Setup firmware(String name, byte[] bios) {
            return new Setup(Sessions.Spec.firmware(new Boot(new Boot.Image(name, bios), null, null, null)),
                    HOST_RTC, null, null, true, -1L, Recorder.Options.DEFAULT);
        }

        Setup rtc(InputPort p) { return new Setup(spec, p, script, chaosSeed, realTimeIdle, maxInstructions, options); }
        Setup script(String text) {
            return new Setup(spec, rtc, InputScript.parse("script", text), chaosSeed, realTimeIdle, maxInstructions, options);
        }
        Setup chaos(long seed) { return new Setup(spec, rtc, script, seed, realTimeIdle, maxInstructions, options); }
        Setup skipIdle() { return new Setup(spec, rtc, script, chaosSeed, false, maxInstructions, options); }
        Setup limit(long n) { return new Setup(spec, rtc, script, chaosSeed, realTimeIdle, n, options); }
        Setup options(Recorder.Options o) { return new Setup(spec, rtc, script, chaosSeed, realTimeIdle, maxInstructions, o); }
    }

    /** Records a session into {@code dir}, as `lockstep record` does, but with the console in memory. */
    static Outcome record(Path dir, Setup s) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        HostInputQueue queue = new HostInputQueue();
        if (s.script() == null) queue.close(); // no keyboard: the session ends when the guest can no longer wake
        try (TraceWriter writer = TraceWriter.create(dir, Sessions.header(MachineConfig.DEFAULT, s.spec()))) {
            Machine m = new Machine(MachineConfig.DEFAULT, s.rtc(), (k, i, d, o, l) -> {
                if (k == OutputKind.CONSOLE) console.write(d, o, l);
            });
            s.spec().bootInto(m);
            Recorder recorder = new Recorder(m, writer, s.options());
            LiveRunner runner = new LiveRunner(m, queue, recorder).realTimeIdle(s.realTimeIdle());
            if (s.chaosSeed() != null) runner.chaos(new Random(s.chaosSeed()));
            if (s.script() != null) runner.script(s.script());
            LiveRunner.End end = runner.run(s.maxInstructions());
            recorder.end(end);
            return new Outcome(m.halted() ? m.exitCode() : -1, m.instret(), m.stateHash(),
                    console.toString(StandardCharsets.ISO_8859_1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Replays {@code dir} to its end, checking every entry; a mismatch throws {@code Divergence}. */
    static Outcome replay(Path dir) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (Replayer r = Replayer.open(dir)) {
            r.setSink((k, i, d, o, l) -> {
                if (k == OutputKind.CONSOLE) console.write(d, o, l);
            });
            Replayer.Stop stop = r.run(-1L, null);
            if (stop != Replayer.Stop.END) throw new AssertionError("replay of " + dir + " stopped with " + stop);
            Machine m = r.machine();
            return new Outcome(m.halted() ? m.exitCode() : -1, m.instret(), m.stateHash(),
                    console.toString(StandardCharsets.ISO_8859_1));
        }
    }
}
