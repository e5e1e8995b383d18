// Acceptance 3 of issue 4: determinism is tested, not assumed: random input timing, recorded, replays verified.
package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.traceformat.EntryType;
import dev.lockstep.traceformat.Trace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.Size;

/**
 * racy reads console bytes in its timer interrupt and stirs them into its scheduler, so where each byte
 * lands changes the interleaving and the verdict. Each try types random bytes after random guest-time
 * sleeps, under chaos mode (random quanta, idle skips cut short), records, and replays with every hash
 * and output checked.
 */
class ReplayEqualsRecordPropertyTest {
    /** One scripted keystroke burst: wait this long in guest time, then type these bytes. */
    record Burst(int sleepMillis, byte[] bytes) {}

    @Provide
    Arbitrary<Burst> burst() {
        return Combinators.combine(Arbitraries.integers().between(0, 12),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(6)).as(Burst::new);
    }

    private static String script(List<Burst> bursts) {
        StringBuilder s = new StringBuilder("wait seed from the RTC\n");
        for (Burst b : bursts) {
            s.append("sleep ").append(b.sleepMillis()).append('\n').append("send ");
            for (byte x : b.bytes()) s.append(String.format("\\x%02x", x & 0xff));
            s.append('\n');
        }
        return s.toString();
    }

    @Property(tries = 12)
    void aSessionWithRandomInputTimingReplaysExactly(@ForAll long chaosSeed, @ForAll long rtc,
                                                     @ForAll @Size(max = 5) List<@net.jqwik.api.From("burst") Burst> bursts) {
        Path dir = tempDir();
        try {
            Recordings.Outcome recorded = Recordings.record(dir, Recordings.Setup.guest("racy")
                    .rtc(InputPort.fixedClock(rtc)).chaos(chaosSeed).skipIdle().script(script(bursts)));
            Recordings.Outcome replayed = Recordings.replay(dir);

            assertThat(replayed).isEqualTo(recorded);
            try (Trace t = Trace.open(dir)) {
                // racy may power off before the script has typed everything
                long typed = t.countsByType().getOrDefault(EntryType.CONSOLE_IN, 0L);
                assertThat(typed).isLessThanOrEqualTo(bursts.size());
                Statistics.label("bursts typed before poweroff").collect(typed == bursts.size() ? "all" : "some");
            }
        } finally {
            delete(dir);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("lockstep-prop").resolve("trace");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (var s = Files.walk(dir.getParent())) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
