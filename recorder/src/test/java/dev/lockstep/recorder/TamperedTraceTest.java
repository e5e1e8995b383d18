// Acceptance 5 of issue 4: a trace whose input differs from what was recorded fails replay at the right entry, not later.
package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.replayer.Divergence;
import dev.lockstep.traceformat.EntryCursor;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.Trace;
import dev.lockstep.traceformat.TraceFormatException;
import dev.lockstep.traceformat.TraceWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two kinds of damage. A byte flipped in the file is caught by its block's CRC before replay can use it:
 * one sentence naming the block. A consistent trace whose input differs (rewritten through TraceWriter,
 * as a buggy recorder or a hand-edit would) replays that input into the machine, and the first STATE_HASH
 * after it, not some later entry, reports the divergence. Hashes are dense here (every 200 k instructions)
 * so "the first check after it" is close to the change.
 */
class TamperedTraceTest {
    private static final long HASH_EVERY = 200_000;
    private static final String TYPED = "lockstep";

    @TempDir
    Path tmp;
    private Path recorded;
    private List<LogEntry> entries;

    @BeforeEach
    void recordRacyWithTypedInput() {
        recorded = tmp.resolve("recorded");
        Recordings.record(recorded, Recordings.Setup.guest("racy").rtc(InputPort.fixedClock(1_700_000_000_000_000_000L))
                .skipIdle().options(new Recorder.Options(HASH_EVERY, Long.MAX_VALUE, 100))
                .script("wait seed from the RTC\nsleep 2\nsend " + TYPED + "\n"));
        entries = new ArrayList<>();
        try (Trace t = Trace.open(recorded); EntryCursor c = t.entries()) {
            c.forEachRemaining(entries::add);
        }
    }

    /** A copy of the recorded trace with entry {@code index} replaced, written through the writer API. */
    private Path rewrite(int index, UnaryOperator<LogEntry> change) {
        Path out = tmp.resolve("rewritten");
        try (Trace t = Trace.open(recorded); TraceWriter w = TraceWriter.create(out, t.header())) {
            for (int i = 0; i < entries.size(); i++) w.append(i == index ? change.apply(entries.get(i)) : entries.get(i));
        }
        return out;
    }

    private int indexOf(Class<? extends LogEntry> type) {
        for (int i = 0; i < entries.size(); i++) if (type.isInstance(entries.get(i))) return i;
        throw new AssertionError("the recording has no " + type.getSimpleName() + " entry: " + entries);
    }

    /** The first entry after {@code index} that replay checks against the machine: a STATE_HASH or an OUTPUT. */
    private LogEntry firstCheckAfter(int index) {
        for (int i = index + 1; i < entries.size(); i++) {
            if (entries.get(i) instanceof LogEntry.StateHash || entries.get(i) instanceof LogEntry.Output) return entries.get(i);
        }
        throw new AssertionError("no STATE_HASH or OUTPUT after entry " + index);
    }

    @Test
    void theUnchangedCopyReplaysCleanly() {
        Path copy = rewrite(-1, e -> e);
        assertThat(Recordings.replay(copy)).isEqualTo(Recordings.replay(recorded));
    }

    @Test
    void aChangedConsoleByteFailsAtTheFirstCheckAfterIt() {
        int at = indexOf(LogEntry.ConsoleIn.class);
        Path changed = rewrite(at, e -> {
            byte[] b = ((LogEntry.ConsoleIn) e).bytes().clone();
            b[0] ^= 0x01;
            return new LogEntry.ConsoleIn(e.instret(), b);
        });

        Divergence d = catchThrowableOfType(() -> Recordings.replay(changed), Divergence.class);

        LogEntry expected = firstCheckAfter(at);
        assertThat(expected).as("racy prints nothing between the keystroke and the next hash")
                .isInstanceOf(LogEntry.StateHash.class);
        assertThat(d).as("replay of a trace with a changed keystroke").isNotNull();
        assertThat(d.entry()).isEqualTo(expected);
        assertThat(d.instret()).isEqualTo(expected.instret());
        assertThat(d.getMessage()).contains("machine state hash is").contains(String.format("%,d", expected.instret()));
    }

    @Test
    void aChangedRtcReadingFailsAtTheFirstCheckAfterIt() {
        int at = indexOf(LogEntry.Wall.class);
        Path changed = rewrite(at, e -> new LogEntry.Wall(e.instret(), ((LogEntry.Wall) e).value() + 1));

        Divergence d = catchThrowableOfType(() -> Recordings.replay(changed), Divergence.class);

        // racy prints its seed right after reading the RTC, so that OUTPUT is the first check
        assertThat(d).isNotNull();
        assertThat(d.entry()).isEqualTo(firstCheckAfter(at)).isInstanceOf(LogEntry.Output.class);
        assertThat(d.getMessage()).contains("the guest printed");
    }

    @Test
    void aByteFlippedInTheFileIsABlockChecksumErrorNamingTheBlock() throws IOException {
        Path cq4 = recorded.resolve("entries/19700101L.cq4");
        // A closed trace's file is cut back to its data, which for this short trace is well under 4 MiB.
        try (RandomAccessFile f = new RandomAccessFile(cq4.toFile(), "rw")) {
            byte[] head = new byte[(int) Math.min(f.length(), 4 << 20)];
            f.readFully(head);
            // the last occurrence: the first is Chronicle's "lockstep-entries" marker, outside any block
            int at = lastIndexOf(head, TYPED.getBytes(StandardCharsets.US_ASCII));
            f.seek(at + 3);
            f.write(head[at + 3] ^ 0x20);
        }

        assertThatThrownBy(() -> Recordings.replay(recorded))
                .isInstanceOf(TraceFormatException.class)
                .hasMessageMatching("Block \\d+ of \\S+19700101L\\.cq4 is corrupted: its CRC32C is 0x\\p{XDigit}{8} but the block says 0x\\p{XDigit}{8}\\.")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    private static int lastIndexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = hay.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("the typed bytes are not in the entries file");
    }
}
