// The debugger answers bad input with one clear line and keeps going.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.traceformat.LogEntry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DebuggerBadInputTest {
    private static Cli.Result session(Path trace, String... commands) {
        return Cli.runWithInput(String.join("\n", commands) + "\n", "shell", trace.toString());
    }

    @Test
    void unknownCommandsMalformedAddressesAndSeeksPastTheEndAreOneLineEach() {
        Cli.Result r = session(Recordings.racy(Recordings.BROKEN_RTC), "frobnicate", "x/4gx 0xzz", "break 12+", "break nosuchsymbol",
                "x/4q shared", "seek 99999999999", "seek banana", "watch 0x10", "csr nosuchcsr", "step -1", "delete 42",
                "events --type NOPE", "seek 1000");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("error: unknown command 'frobnicate' (type 'help' for the list)")
                .contains("error: malformed address '0xzz': '0xzz' is not a number")
                .contains("error: malformed address '12+': it ends with an operator")
                .contains("error: no symbol 'nosuchsymbol' in racy")
                .contains("error: unknown format letter 'q'")
                .contains("error: instruction 99,999,999,999 is past the end of the recording (8,313,392)")
                .contains("error: 'banana' is not a number")
                .contains("error: 0x10..0x18 is not RAM")
                .contains("error: unknown CSR 'nosuchcsr'")
                .contains("error: a count cannot be negative")
                .contains("error: no breakpoint or watchpoint 42")
                .contains("error: unknown entry type 'NOPE'")
                .contains("\n[1,000] M ");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aTraceThatFailsVerificationSaysWhereAndTheSessionGoesOn() {
        Path bad = Recordings.copyEdited(Recordings.racy(Recordings.BROKEN_RTC), "bad-hash",
                e -> e instanceof LogEntry.StateHash h ? new LogEntry.StateHash(h.instret(), h.hash() ^ 1) : e);

        Cli.Result r = session(bad, "seek end", "seek 1000", "where");

        assertThat(r.out()).contains("error: replay diverged at instruction 8,313,392").contains("machine state hash is");
        assertThat(r.out()).contains("instruction 1,000 of 8,313,392");
    }

    @Test
    void aMissingTraceIsAnErrorWithStatus2() {
        Cli.Result r = Cli.runWithInput("where\n", "shell", "/nonexistent/trace");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("There is no trace at");
    }
}
