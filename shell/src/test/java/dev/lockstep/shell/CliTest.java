// The lockstep command as a user meets it: run, its limits, help and the demo.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path dir;

    @Test
    void runHelloPrintsTheGreetingAndExitsZero() {
        Cli.Result r = Cli.run("run", "hello");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("Hello from lockstep guest\r\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void runAGuestFileByPath() throws IOException {
        Path p = Files.write(dir.resolve("hello.elf"), dev.lockstep.emulator.TestGuests.bytes("hello"));

        Cli.Result r = Cli.run("run", p.toString());

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Hello from lockstep guest");
    }

    @Test
    void theExitStatusIsTheGuests() {
        Cli.Result r = Cli.run("run", "--rtc", "fixed:1700000000000000000", "--idle", "skip", "selftest");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("0 failed");
    }

    @Test
    void maxInstructionsStopsABenchRunWithStatus3AndSaysSo() {
        Cli.Result r = Cli.run("run", "--max-instructions", "2000000", "bench");

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("stopped after").contains("--max-instructions");
        assertThat(r.out()).contains("bench");
    }

    @Test
    void maxInstructionsStopsAGuestSpinningInItsTrapHandler() throws IOException {
        // mtvec = handler; jump to 0 (instruction access fault); handler: j .
        Path p = Files.write(dir.resolve("fault-loop.elf"), TinyElf.of(0x8000_0000L,
                0x00000297, // auipc t0, 0
                0x01028293, // addi t0, t0, 16
                0x30529073, // csrw mtvec, t0
                0x00000067, // jalr zero, 0(zero)
                0x0000006f)); // handler: j .

        Cli.Result r = Cli.run("run", "--max-instructions", "100000", p.toString());

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("--max-instructions");
    }

    @Test
    void aGuestWaitingForInputThatCannotComeEndsWithStatus4() throws IOException {
        Path p = Files.write(dir.resolve("wfi.elf"), TinyElf.of(0x8000_0000L,
                0x10500073, // wfi (no timer armed, no interrupt enabled)
                0xffdff06f)); // j -4

        Cli.Result r = Cli.run("run", p.toString());

        assertThat(r.exit()).isEqualTo(4);
        assertThat(r.err()).contains("waits for an interrupt");
    }

    @Test
    void helpNamesTheCommands() {
        Cli.Result r = Cli.run("--help");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: lockstep").contains("run").contains("demo").contains("RISC-V");
    }

    @Test
    void runHelpExplainsTheOptionsAndHowToQuit() {
        Cli.Result r = Cli.run("run", "--help");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("GUEST").contains("--max-instructions").contains("--rtc").contains("Ctrl-A X")
                .contains("hello");
    }

    @Test
    void demoRecordsRacyUntilItLosesUpdatesAndReplaysTheSameBrokenInvariantAndHash() {
        Cli.Result r = Cli.run("demo");

        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("the same console").contains("the same invariant BROKEN").contains("reproduced exactly")
                .doesNotContain("DIFFERENT").doesNotContain("DIVERGED");
        assertThat(r.out().lines().count()).as("short enough to read").isLessThan(40);
    }
}
