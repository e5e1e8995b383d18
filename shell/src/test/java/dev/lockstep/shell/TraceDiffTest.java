// `lockstep diff`: where two executions of racy part, and why.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.traceformat.LogEntry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TraceDiffTest {
    @Test
    void twoRecordingsWithDifferentRtcDivergeRightAfterTheRtcRead() {
        Path a = Recordings.racy(Recordings.BROKEN_RTC), b = Recordings.racy(Recordings.BROKEN_RTC + 1);

        Cli.Result r = Cli.run("diff", a.toString(), b.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("first divergence at instruction 16,513: states are equal at 16,512 and differ at 16,513")
                .containsPattern("the instruction at \\[16,512\\]: 0x[0-9a-f]+ <rtc_ns\\+\\d+>: lw a5, ")
                .containsPattern("a5 +0x0+362a0000 -> 0x0+362a0001")
                .contains("caused by the input entries:")
                .contains("B: 16,512  WALL        rtc = 1700000000000000001");
    }

    @Test
    void aTraceAndItselfAreIdentical() {
        Path a = Recordings.racy(Recordings.BROKEN_RTC);

        Cli.Result r = Cli.run("diff", a.toString(), a.toString());

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("identical: the machine states are equal at the end, instruction 8,313,392");
    }

    @Test
    void aCopyWithOneInputPayloadByteChangedNamesThatEntry() {
        Path a = Recordings.racy(Recordings.BROKEN_RTC);
        Path b = Recordings.copyEdited(a, "one-byte", e -> e instanceof LogEntry.Wall w ? new LogEntry.Wall(w.instret(), w.value() ^ (0x5aL << 24)) : e);

        Cli.Result r = Cli.run("diff", a.toString(), b.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("inputs differ first at instruction 16,512")
                .contains("first divergence at instruction 16,513")
                .contains("B: 16,512  WALL        rtc = " + (Recordings.BROKEN_RTC ^ (0x5aL << 24)));
    }

    @Test
    void theShellDiffsAgainstAnotherTrace() {
        Path a = Recordings.racy(Recordings.BROKEN_RTC), b = Recordings.racy(Recordings.BROKEN_RTC + 1);

        Cli.Result r = Cli.runWithInput("diff --trace " + b + "\nwhere\n", "shell", a.toString());

        assertThat(r.out()).contains("first divergence at instruction 16,513").contains("instruction 0 of");
    }

    @Test
    void aMissingTraceIsStatus2() {
        Cli.Result r = Cli.run("diff", Recordings.racy(Recordings.BROKEN_RTC).toString(), "/nonexistent/trace");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("There is no trace at");
    }
}
