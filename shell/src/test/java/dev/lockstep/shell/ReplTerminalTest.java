// The interactive shell in a real terminal (tmux): Tab completion and history work as a user meets them.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplTerminalTest {
    @TempDir
    Path home;

    /** A tmux server of this test's own (its own socket), so no other session is touched. */
    private final String socket = "lockstep-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

    private String tmux(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(1, TimeUnit.MINUTES);
        return new String(out, StandardCharsets.UTF_8);
    }

    private String screen() throws Exception { return tmux("capture-pane", "-p", "-t", "t", "-S", "-200"); }

    /** Waits (polling, with a generous guard against a hang) until the screen shows {@code text}. */
    private String awaitScreen(String text) throws Exception {
        String s = "";
        for (int i = 0; i < 600; i++) {
            s = screen();
            if (s.contains(text)) return s;
            Thread.sleep(100);
        }
        throw new AssertionError("the terminal never showed '" + text + "'; it shows:\n" + s + "\nafter running:\n"
                + Files.readString(home.resolve("run.sh")));
    }

    @AfterEach
    void stopTmux() throws Exception {
        if (dev.lockstep.emulator.TestGuests.onPath("tmux")) tmux("kill-server");
    }

    @Test
    void tabCompletesCommandsAndSymbolsAndUpArrowRecallsTheLastCommand() throws Exception {
        assumeTrue(dev.lockstep.emulator.TestGuests.onPath("tmux"), "tmux is not installed (apt-get install tmux); skipping the terminal test");
        Path trace = Recordings.racy(Recordings.BROKEN_RTC);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The JVM flags Chronicle Queue needs (--add-opens...) are the ones this test JVM was started with.
        String flags = String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-")).toList());
        String script = String.join(" ", "HOME=" + home, javaBin, flags, "-Duser.home=" + home, "-cp", "'" + System.getProperty("java.class.path") + "'",
                "dev.lockstep.shell.Main", "shell", trace.toString());
        Files.writeString(home.resolve("run.sh"), script + "\n");
        // The pane outlives the shell (sleep) so that a crash stays on screen for the failure message.
        tmux("new-session", "-d", "-s", "t", "-x", "160", "-y", "50", "sh " + home.resolve("run.sh") + "; echo EXITED; sleep 600");
        awaitScreen("(lockstep)");

        tmux("send-keys", "-t", "t", "last-wr", "Tab");
        awaitScreen("(lockstep) last-write");
        tmux("send-keys", "-t", "t", "C-u", "x/gx shar", "Tab");
        awaitScreen("x/gx shared");
        tmux("send-keys", "-t", "t", "Enter");
        awaitScreen("<shared>: 0x0000000000000000");

        tmux("send-keys", "-t", "t", "seek 1234", "Enter");
        awaitScreen("[1,234] M");
        tmux("send-keys", "-t", "t", "step", "Enter");
        awaitScreen("[1,235] M");
        tmux("send-keys", "-t", "t", "Up", "Up", "Enter");
        awaitScreen("(lockstep) step\n[1,235] M  0x80000024 <_start+36>: bgeu t0, t1, 0x80000030\n(lockstep) seek 1234\n[1,234] M  0x");

        tmux("send-keys", "-t", "t", "quit", "Enter");
        awaitScreen("EXITED");
        assertThat(Files.readString(home.resolve(".lockstep_history"))).contains("seek 1234").contains("x/gx shared");
    }
}
