// `lockstep record` and `lockstep replay` as a user runs them: a racy bug reproduced, damage reported, a killed recorder.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class RecordReplayCliTest {
    private static final Pattern FINAL_HASH = Pattern.compile("final state hash (\\p{XDigit}{16})");

    @TempDir
    Path dir;

    private static String finalHash(String stderr) {
        Matcher m = FINAL_HASH.matcher(stderr);
        assertThat(m.find()).as("a final state hash in: %s", stderr).isTrue();
        return m.group(1);
    }

    @Test
    void racyRecordedUntilItLosesUpdatesReplaysBrokenWithTheSameHash() {
        Path trace = null;
        Cli.Result rec = null;
        for (int i = 0; i < 30 && trace == null; i++) {
            Path t = dir.resolve("racy-" + i);
            Cli.Result r = Cli.run("record", "-o", t.toString(), "racy");
            if (r.exit() == 1) {
                trace = t;
                rec = r;
            }
        }
        assertThat(trace).as("a racy recording that lost updates within 30 tries").isNotNull();

        Cli.Result replay = Cli.run("replay", "--verify", trace.toString());

        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(replay.out()).isEqualTo(rec.out()).contains("invariant BROKEN");
        assertThat(replay.err()).contains("lockstep: verified ");
        assertThat(finalHash(replay.err())).isEqualTo(finalHash(rec.err()));
    }

    @Test
    void replayWithoutVerifyExitsWithTheGuestsStatus() {
        Path t = dir.resolve("racy");
        Cli.Result rec = Cli.run("record", "-o", t.toString(), "racy");

        assertThat(Cli.run("replay", "-q", t.toString()).exit()).isEqualTo(rec.exit());
    }

    @Test
    void aFlippedByteInTheEntriesFileIsAOneLineErrorNamingTheBlock() throws IOException {
        Path t = dir.resolve("typed");
        Path script = Files.writeString(dir.resolve("script"), "wait seed from the RTC\nsend lockstep\n");
        assertThat(Cli.run("record", "-o", t.toString(), "--rtc", "fixed:1", "--input", script.toString(), "racy").exit())
                .isLessThanOrEqualTo(1);
        flipLast(t.resolve("entries/19700101L.cq4"), "lockstep".getBytes(StandardCharsets.US_ASCII));

        Cli.Result r = Cli.run("replay", "--verify", "-q", t.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).matches("lockstep: Block \\d+ of \\S+ is corrupted: its CRC32C is 0x\\p{XDigit}{8} but the block says "
                + "0x\\p{XDigit}{8}\\.\\R");
    }

    @Test
    void entropyFromVirtioRngIsRecordedAndReplaysVerified() {
        String t = dir.resolve("rng").toString();
        Cli.Result rec = Cli.run("record", "-o", t, "--rng", "entropy");
        assertThat(rec.exit()).as(rec.err()).isZero();

        Cli.Result rep = Cli.run("replay", "--verify", t);

        assertThat(rep.exit()).as(rep.err()).isZero();
        assertThat(rep.out()).isEqualTo(rec.out());
    }

    @Test
    void aGuestThatResetsTheMachineIsRecordedThroughItsResetsAndReplaysVerified() {
        String t = dir.resolve("reboot").toString();
        Cli.Result rec = Cli.run("record", "-o", t, "reboot");
        assertThat(rec.exit()).as(rec.err()).isZero();

        Cli.Result rep = Cli.run("replay", "--verify", t);
        Cli.Result once = Cli.run("run", "--no-reboot", "reboot");

        assertThat(rec.out()).isEqualTo("boot 0\r\nboot 1\r\nboot 2\r\nreboot: 3 boots, 0 failed\r\n");
        assertThat(rep.exit()).as(rep.err()).isZero();
        assertThat(rep.out()).isEqualTo(rec.out());
        assertThat(once.exit()).as(once.err()).isZero();
        assertThat(once.out()).isEqualTo("boot 0\r\n");
    }

    @Test
    void aMultiHartSessionIsRecordedAndReplaysVerifiedWithItsHartCountFromTheHeader() {
        String t = dir.resolve("smp").toString();
        Cli.Result rec = Cli.run("record", "-o", t, "--smp", "4", "smp");
        assertThat(rec.exit()).as(rec.err()).isZero();

        Cli.Result info = Cli.run("info", t);
        Cli.Result rep = Cli.run("replay", "--verify", t);

        assertThat(rec.out()).contains("smp: 4 harts").endsWith("PASS\r\n");
        assertThat(info.out()).contains("harts = 4");
        assertThat(rep.exit()).as(rep.err()).isZero();
        assertThat(rep.out()).isEqualTo(rec.out());
    }

    @Test
    void aHartCountOutsideOneTo32IsABadOption() {
        Cli.Result r = Cli.run("run", "--smp", "0", "hello");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("1 to 32 harts");
    }

    /** The timeout only guards against a child that never starts; nothing here asserts speed. */
    @Test
    @Timeout(180)
    void aRecorderKilledWithSigkillLeavesATraceThatReplaysVerifiedToItsLastEntry() throws Exception {
        Path t = dir.resolve("cut");
        // idle never ends by itself: let it log a few timer wake-ups (CLOCK entries, flushed every 100 ms).
        recordIdleThenSignal(t, 3_000, Process::destroyForcibly); // SIGKILL on Linux

        Cli.Result info = Cli.run("info", t.toString());
        Cli.Result r = Cli.run("replay", "--verify", "-q", t.toString());

        assertThat(info.exit()).as(info.err()).isZero();
        assertThat(info.out()).contains("end:          none (the recording was cut off");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("without an END entry").contains("lockstep: verified ");
        assertThat(r.err()).doesNotContain("verified 0 instructions");
    }

    /** SIGTERM (kill, timeout, a supervisor) ends a recording as Ctrl-A X does: with END, and a trimmed entries file. */
    @Test
    @Timeout(180)
    void aRecorderStoppedWithSigtermEndsItsTraceCleanly() throws Exception {
        Path t = dir.resolve("stopped");
        recordIdleThenSignal(t, 1_000, Process::destroy); // SIGTERM on Linux

        Cli.Result info = Cli.run("info", t.toString());
        Cli.Result r = Cli.run("replay", "--verify", "-q", t.toString());

        assertThat(Files.readString(dir.resolve("stopped.err"))).contains("lockstep: recorded ").contains("(quit at instruction ");
        assertThat(info.out()).containsPattern("end: +STOP, exit code 0, at instruction ");
        assertThat(Files.size(t.resolve("entries/19700101L.cq4"))).as("trimmed entries file").isLessThan(4 << 20);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("without an END entry").contains("lockstep: verified ");
    }

    /** SIGTERM ends `lockstep run` as Ctrl-A X does too: --stats is printed before the JVM exits. */
    @Test
    void sigtermEndsARunWithItsStats() throws Exception {
        Path err = dir.resolve("run.err");
        Process run = startLockstep(err, "run", "--stats", "idle");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).as("idle's first line; stderr: %s", Files.readString(err)).startsWith("idle:");
            run.destroy(); // SIGTERM on Linux
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(err)).containsPattern("lockstep: [0-9,]+ instructions in [0-9.]+ s: [0-9.]+ MIPS");
    }

    /** Records the idle guest to {@code trace}, waits for its prompt and {@code millis} more, then signals the recorder. */
    private void recordIdleThenSignal(Path trace, long millis, java.util.function.Consumer<Process> signal) throws Exception {
        Path err = dir.resolve(trace.getFileName() + ".err");
        Process recorder = startLockstep(err, "record", "-o", trace.toString(), "--rtc", "fixed:0", "idle");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(recorder.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).as("idle's first line; recorder stderr: %s", Files.readString(err)).startsWith("idle:");
            Thread.sleep(millis);
            signal.accept(recorder);
            assertThat(recorder.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** A JVM like this one (same java, class path and Chronicle flags) running lockstep's Main, as the jar's manifest does. */
    private static Process startLockstep(Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) command.add(arg);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(stderr.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).start();
    }

    /** Flips a bit in the last occurrence of {@code needle} among the first megabytes of a file (a closed trace's is short). */
    private static void flipLast(Path file, byte[] needle) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] head = new byte[(int) Math.min(f.length(), 4 << 20)];
            f.readFully(head);
            for (int i = head.length - needle.length; i >= 0; i--) {
                if (java.util.Arrays.equals(head, i, i + needle.length, needle, 0, needle.length)) {
                    f.seek(i + 3);
                    f.write(head[i + 3] ^ 0x20);
                    return;
                }
            }
        }
        throw new AssertionError("no " + new String(needle, StandardCharsets.US_ASCII) + " in " + file);
    }
}
