// The real gdb (gdb-multiarch) against `lockstep replay --gdb`: its answers must be the REPL's.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockstep.shell.debug.Debugger;
import dev.lockstep.shell.debug.GdbStub;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GdbStubTest {
    /** Runs gdb in batch mode with {@code commands} against a stub serving {@code trace}; returns gdb's output. */
    private static String runGdb(Path trace, List<String> commands) throws Exception { return runGdb(trace, "racy", commands); }

    private static String runGdb(Path trace, String guest, List<String> commands) throws Exception {
        try (Debugger dbg = Debugger.open(trace); GdbStub stub = new GdbStub(dbg, 0)) {
            Thread server = new Thread(() -> {
                try {
                    stub.serveOne();
                } catch (Exception e) {
                    // the test fails on gdb's output instead
                }
            }, "gdb-stub");
            server.start();
            List<String> cmd = new ArrayList<>(List.of("gdb-multiarch", "-batch", "-nx", "-ex", "set pagination off", "-ex", "set confirm off",
                    "-ex", "set architecture riscv:rv64", "-ex", "file " + dev.lockstep.emulator.TestGuests.prebuilt(guest),
                    "-ex", "target remote 127.0.0.1:" + stub.port()));
            for (String c : commands) {
                cmd.add("-ex");
                cmd.add(c);
            }
            cmd.add("-ex");
            cmd.add("kill");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly(); // a guard against a hang, not a timing check
            stub.close();
            server.join();
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    private static List<String> all(String text, String regex) {
        List<String> r = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) r.add(m.group(1));
        return r;
    }

    private static String reg(String regs, String name) {
        Matcher m = Pattern.compile("(?:^|\\s)" + name + "\\s+0x0*([0-9a-f]+)").matcher(regs);
        assertThat(m.find()).as(name + " in " + regs).isTrue();
        return m.group(1);
    }

    /** Each hart is a gdb thread: listed with what it does, selectable, its own registers, stepped by itself. */
    @Test
    void gdbSeesEachHartAsAThreadAndStepsTheOneItNames() throws Exception {
        assumeTrue(dev.lockstep.emulator.TestGuests.onPath("gdb-multiarch"), "gdb-multiarch is not installed (apt-get install gdb-multiarch); skipping the gdb test");
        Path trace = Recordings.scratch("smp");
        Cli.Result rec = Cli.run("record", "-o", trace.toString(), "--smp", "2", "smp");
        assertThat(rec.exit()).as(rec.err()).isZero();

        String g = runGdb(trace, "smp", List.of("break main", "continue", "info threads", "p $mhartid", "thread 2", "p $mhartid",
                "p/x $pc", "stepi", "p/x $pc", "stepi", "p/x $pc", "thread 1", "p/x $pc", "thread 3"));

        assertThat(g).contains("Thread 1 (hart 0, M-mode, has the turn)", "Thread 2 (hart 1, M-mode)", "in main ()",
                "Unknown thread 3.");
        // mhartid of each; hart 1 from the reset vector one instruction at a time, while hart 0 ran on in its turns
        assertThat(all(g, "\\$\\d+ = (\\S+)")).startsWith("0", "1", "0x1000", "0x1004", "0x1008").hasSize(6);
        assertThat(g).contains("[Switching to thread 1 (Thread 1)]\n#0  0x00000000800").contains("in wait_for ()");
    }

    @Test
    void gdbBreaksStepsBackReverseContinuesToAWatchpointAndReadsWhatTheReplShows() throws Exception {
        assumeTrue(dev.lockstep.emulator.TestGuests.onPath("gdb-multiarch"), "gdb-multiarch is not installed (apt-get install gdb-multiarch); skipping the gdb test");
        Path trace = Recordings.racy(Recordings.BROKEN_RTC);

        String g = runGdb(trace, List.of("break *(&thread_main + 92)", "continue", "continue", "continue", "monitor when",
                "p/x $pc", "p/x $sp", "p/x $a4", "reverse-stepi", "monitor when", "p/x $pc", "delete 1",
                "watch *(long *)&shared", "reverse-continue", "monitor when", "p/x $pc", "p *(long *)&shared", "x/2gx &shared",
                "p/x $mstatus", "p $priv", "p $ft0"));
        Cli.Result repl = Cli.runWithInput(String.join("\n", "break thread_main+92", "continue", "continue", "continue", "regs",
                "rstep", "where", "delete", "watch shared", "rcontinue", "x/2gx shared", "csr mstatus") + "\n", "shell", trace.toString());

        List<String> when = all(g, "instruction (\\d+)\\n");
        List<String> replAt = all(repl.out(), "\\n\\[([0-9,]+)\\] M ");
        assertThat(when).hasSize(3);
        assertThat(replAt).hasSize(5); // three hits, rstep, rcontinue
        assertThat(when.get(0)).isEqualTo(replAt.get(2).replace(",", ""));
        assertThat(when.get(1)).isEqualTo(replAt.get(3).replace(",", ""));
        assertThat(when.get(2)).isEqualTo(replAt.get(4).replace(",", ""));
        assertThat(when.get(2)).isEqualTo(replAt.get(1).replace(",", "")); // the previous increment: where the 2nd hit was

        String regs = repl.out().substring(repl.out().indexOf("(lockstep) regs"));
        List<String> printed = all(g, "\\$\\d+ = (\\S+)");
        assertThat(printed.get(0)).isEqualTo("0x" + reg(regs, "pc"));
        assertThat(printed.get(1)).isEqualTo("0x" + reg(regs, "sp"));
        assertThat(printed.get(2)).isEqualTo("0x" + reg(regs, "a4"));
        assertThat(g).contains("Hardware watchpoint 2: *(long *)&shared");
        assertThat(g).containsPattern("Old value = 2\\s+New value = 1");
        Matcher mem = Pattern.compile("<shared>:\\s+(0x[0-9a-f]+)\\s+(0x[0-9a-f]+)").matcher(g);
        assertThat(mem.find()).isTrue();
        assertThat(repl.out()).contains("<shared>: " + mem.group(1) + " " + mem.group(2));
        assertThat(printed).contains("0x" + reg(repl.out().substring(repl.out().indexOf("(lockstep) csr")), "mstatus"));
        assertThat(g).contains("= 3\n"); // $priv: machine mode
        assertThat(g).doesNotContain("Remote connection closed").doesNotContain("Couldn't");
    }

    /** rwatch and awatch (Z3, Z4): gdb stops where the REPL's rwatch does, with the kind of hit it asked for. */
    @Test
    void gdbReadAndAccessWatchpointsStopWhereTheReplDoes() throws Exception {
        assumeTrue(dev.lockstep.emulator.TestGuests.onPath("gdb-multiarch"), "gdb-multiarch is not installed (apt-get install gdb-multiarch); skipping the gdb test");
        Path trace = Recordings.racy(Recordings.BROKEN_RTC);

        String g = runGdb(trace, List.of("rwatch *(long *)&shared", "continue", "monitor when", "delete",
                "awatch *(long *)&shared", "continue", "continue", "monitor when", "reverse-continue", "monitor when"));
        Cli.Result repl = Cli.runWithInput(String.join("\n", "rwatch shared", "continue", "delete", "awatch shared", "continue",
                "continue", "rcontinue") + "\n", "shell", trace.toString());

        assertThat(g).contains("Hardware read watchpoint 1: *(long *)&shared", "Hardware access (read/write) watchpoint 2: *(long *)&shared");
        assertThat(g).contains("Value = ");
        List<String> when = all(g, "instruction (\\d+)\\n");
        List<String> replAt = all(repl.out(), "\\n\\[([0-9,]+)\\] M ").stream().map(s -> s.replace(",", "")).toList();
        assertThat(replAt).hasSize(4);
        assertThat(when).containsExactly(replAt.get(0), replAt.get(2), replAt.get(3));
        assertThat(g).doesNotContain("Remote connection closed").doesNotContain("Couldn't").doesNotContain("does not support");
    }
}
