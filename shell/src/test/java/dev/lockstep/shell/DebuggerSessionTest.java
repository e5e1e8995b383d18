// The time-travel REPL driven by scripts on stdin, on a racy recording that lost updates.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DebuggerSessionTest {
    private static Cli.Result session(String... commands) {
        Path trace = Recordings.racy(Recordings.BROKEN_RTC);
        return Cli.runWithInput(String.join("\n", commands) + "\n", "shell", trace.toString());
    }

    private static List<String> all(String text, String regex) {
        List<String> r = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) r.add(m.group(1));
        return r;
    }

    /** The REPL's hart command lists the harts and picks the one regs and csr show; a diff goes hart by hart. */
    @Test
    void theHartCommandShowsEachHartAndADiffGoesHartByHart() {
        Path trace = Recordings.scratch("smp");
        Cli.Result rec = Cli.run("record", "-o", trace.toString(), "--smp", "2", "smp");
        assertThat(rec.exit()).as(rec.err()).isZero();

        Cli.Result r = Cli.runWithInput(String.join("\n", "seek 5", "hart", "csr mhartid", "hart 1", "csr mhartid", "regs",
                "hart any", "csr mhartid", "hart 2", "hart 1", "where", "diff 0 5") + "\n", "shell", trace.toString());

        assertThat(r.out()).contains("* hart 0  pc 0x1014", "  hart 1  pc 0x1000", "has the turn")
                .contains("no hart 2: this machine has harts 0 to 1");
        assertThat(all(r.out(), "mhartid +0x0*(\\d+)")).containsExactly("0", "1", "0");
        assertThat(r.out()).contains("hart 1 of 2, shown; hart 0 has the turn");
        // hart 1 has not run yet: only the board's counters (mcycle counts every hart's instructions) moved for it
        assertThat(r.out()).contains("  hart 0:\n    pc       0x1000  -> 0x1014", "  hart 1:\n    (counters that follow the "
                + "instruction number: cycle, mcycle)");
    }

    @Test
    void aWatchOnTheCounterAndReverseContinueFindTheWriteThatLostUpdates() {
        // The walkthrough in docs/debugging.md: a write that does not grow the counter lost every
        // increment made since its thread read the counter.
        Cli.Result r = session("console", "watch shared if new <= old", "seek end", "rcontinue", "regs");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("invariant BROKEN");
        assertThat(r.out()).containsPattern("watchpoint 1 \\(shared\\): 8-byte write to 0x[0-9a-f]+ by the instruction at "
                + "\\[[0-9,]+\\] 0x[0-9a-f]+ <thread_main\\+\\d+>: sd a4, 0\\(a7\\)");
        Matcher m = Pattern.compile("old value 0x[0-9a-f]+ \\((\\d+)\\), new value 0x[0-9a-f]+ \\((\\d+)\\)").matcher(r.out());
        assertThat(m.find()).isTrue();
        assertThat(Long.parseLong(m.group(2))).isLessThanOrEqualTo(Long.parseLong(m.group(1)));
    }

    @Test
    void theWalkthroughInTheDocsReplaysAsWritten() throws java.io.IOException {
        String doc = java.nio.file.Files.readString(dev.lockstep.emulator.TestGuests.root().resolve("docs/debugging.md"));
        String walk = doc.substring(doc.indexOf("## Walkthrough"), doc.indexOf("## Commands"));
        List<String> shown = new ArrayList<>(), commands = new ArrayList<>();
        boolean inBlock = false;
        for (String line : walk.split("\n")) {
            if (line.startsWith("```")) {
                inBlock = !inBlock;
                continue;
            }
            if (!inBlock || line.startsWith("lockstep shell:")) continue;
            shown.add(line);
            if (line.startsWith("(lockstep) ")) commands.add(line.substring("(lockstep) ".length()));
        }
        assertThat(commands).contains("watch shared if new <= old", "rcontinue");

        Cli.Result r = session(commands.toArray(String[]::new));

        for (String line : shown) assertThat(r.out()).contains(line + "\n");
    }

    @Test
    void aReadWatchStopsAfterEachLoadOfTheCounterAndReverseContinueComesBackBeforeIt() {
        Cli.Result r = session("seek 2000000", "rwatch shared", "info", "continue", "continue", "rcontinue", "rcontinue");

        assertThat(r.out()).containsPattern("watchpoint 1 on 8 bytes at pa 0x[0-9a-f]+ \\(shared\\), on reads");
        List<String> readers = all(r.out(), "watchpoint 1 \\(shared\\): 8-byte read of 0x[0-9a-f]+ by the instruction at "
                + "\\[([0-9,]+)\\] 0x[0-9a-f]+ <thread_main\\+\\d+>: ld ");
        assertThat(readers).hasSize(4);
        long first = number(readers.get(0)), second = number(readers.get(1));
        assertThat(second).as("the next continue goes through the read it stopped at").isGreaterThan(first);
        assertThat(readers.subList(2, 4)).containsExactly(readers.get(1), readers.get(0));
        // Forward, after the load; backward, before it (as with writes).
        List<Long> at = all(r.out(), "\\n\\[([0-9,]+)\\] M ").stream().map(DebuggerSessionTest::number).toList();
        assertThat(at).containsExactly(2_000_000L, first + 1, second + 1, second, first);
        assertThat(r.out()).contains("; you are before the read");
    }

    @Test
    void anAccessWatchStopsAtTheLoadAndTheStoreOfAnIncrement() {
        Cli.Result r = session("seek 2000000", "awatch shared", "continue", "continue", "continue");

        List<String> kinds = all(r.out(), "8-byte (read of|write to) 0x");
        assertThat(kinds).hasSize(3).contains("read of", "write to");
        assertThat(r.out()).contains("old value 0x");
    }

    private static long number(String s) { return Long.parseLong(s.replace(",", "")); }

    @Test
    void lastWriteNamesTheWritingInstructionAndStaysPut() {
        Cli.Result r = session("seek end", "last-write shared", "where");

        assertThat(r.out()).containsPattern("last write to shared before \\[8,313,392\\]: 8 bytes at 0x[0-9a-f]+ by the "
                + "instruction at \\[[0-9,]+\\] 0x[0-9a-f]+ <thread_main\\+\\d+>");
        assertThat(r.out()).contains("instruction 8,313,392 of 8,313,392");
    }

    @Test
    void lastWriteAgreesWithReverseContinueOnAnUnconditionalWatch() {
        Cli.Result r = session("seek 5000000", "last-write shared", "watch shared", "rcontinue");

        List<String> writers = all(r.out(), "by the instruction at \\[([0-9,]+)\\]");
        assertThat(writers).hasSize(2);
        assertThat(writers.get(0)).isEqualTo(writers.get(1));
    }

    @Test
    void reverseContinueRevisitsTheBreakpointHitsThatContinueFound() {
        Cli.Result r = session("seek 2000000", "break thread_main+92", "continue", "continue", "continue", "rcontinue", "rcontinue");

        List<String> at = all(r.out(), "\\n\\[([0-9,]+)\\] M  0x[0-9a-f]+ <thread_main\\+92>");
        assertThat(at).hasSize(5);
        assertThat(at.get(3)).isEqualTo(at.get(1));
        assertThat(at.get(4)).isEqualTo(at.get(0));
    }

    @Test
    void stepBackThenForwardComesBackToTheSameRegisters() {
        Cli.Result r = session("seek 3000000", "regs", "rstep 1000", "step 1000", "regs");

        String[] regs = r.out().split("\\(lockstep\\) regs\n");
        assertThat(regs).hasSize(3);
        assertThat(regs[2]).startsWith(regs[1].substring(0, regs[1].indexOf("(lockstep)")));
    }

    @Test
    void seekAcceptsRelativeAndEndPositions() {
        Cli.Result r = session("seek 1,000", "seek +500", "seek -200", "seek end", "seek start");

        assertThat(all(r.out(), "\\n\\[([0-9,]+)\\] ")).containsExactly("1,000", "1,500", "1,300", "8,313,392", "0");
    }

    @Test
    void consoleShowsEachLineWithTheInstructionNumberOfItsEntry() {
        Cli.Result r = session("console --from 1000000");

        assertThat(r.out()).contains("[    8,313,340] racy: invariant BROKEN (lost 2499 updates)");
        assertThat(r.out()).doesNotContain("seed from the RTC");
    }

    @Test
    void diffOfTwoPointsShowsRegistersAndTheCounterInMemoryBySymbol() {
        Cli.Result r = session("diff 100000 200000", "where");

        assertThat(r.out()).contains("state at [100,000] vs [200,000]").containsPattern("0x[0-9a-f]+\\.\\.0x[0-9a-f]+ +\\d+ bytes <shared>");
        assertThat(r.out()).contains("instruction 0 of");
    }

    @Test
    void examineAndDisassembleUseSymbols() {
        Cli.Result r = session("x/2gx shared", "x/4xw thread_main", "disas thread_main+92 2", "csr mstatus mepc", "break trap_handler",
                "continue", "x/s $sp+1000000000");

        assertThat(r.out()).contains("<shared>: 0x");
        assertThat(r.out()).containsPattern("=?\\s+0x[0-9a-f]+ <thread_main\\+92>: sd a4, 0\\(a7\\)");
        assertThat(r.out()).containsPattern("mstatus +0x[0-9a-f]{16}");
        assertThat(r.out()).contains("breakpoint 1\n").containsPattern("<trap_handler>: ");
        assertThat(r.out()).contains("error: cannot read");
    }

    @Test
    void bookmarksRememberPositions() {
        Cli.Result r = session("seek 123456", "bookmark here", "seek end", "goto here", "goto nowhere");

        assertThat(r.out()).contains("bookmark here = 123,456").contains("\n[123,456] ");
        assertThat(r.out()).contains("error: no bookmark named 'nowhere' (bookmarks: here)");
    }

    @Test
    void nextStepsOverACallAndRnextStepsBackOverIt() {
        Cli.Result r = session("break main", "continue", "disas $pc 40");
        Matcher call = Pattern.compile("0x([0-9a-f]+) <main\\+\\d+>: jal ra, ").matcher(r.out());
        assertThat(call.find()).isTrue();
        long pc = Long.parseLong(call.group(1), 16);

        Cli.Result s = session("break main", "continue", "delete", "break " + String.format("0x%x", pc), "continue", "where",
                "next", "where", "rnext", "where");

        List<String> pcs = all(s.out(), "\\npc (0x[0-9a-f]+) ");
        assertThat(pcs).hasSize(3);
        assertThat(pcs.get(0)).isEqualTo(String.format("0x%x", pc));
        assertThat(Long.parseLong(pcs.get(1).substring(2), 16)).isEqualTo(pc + 4);
        assertThat(pcs.get(2)).isEqualTo(pcs.get(0));
    }

    @Test
    void helpExplainsEveryCommand() {
        Cli.Result r = session("help", "help last-write", "help x");

        for (String c : List.of("info", "where", "seek", "step", "rstep", "next", "rnext", "break", "watch", "rwatch", "awatch", "continue", "rcontinue",
                "delete", "regs", "csr", "x/FMT", "disas", "events", "console", "diff", "last-write", "bookmark", "goto")) {
            assertThat(r.out()).contains("\n  " + c);
        }
        assertThat(r.out()).contains("usage: last-write ADDR [LEN]");
    }
}
