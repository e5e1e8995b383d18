// Acceptance 1 of issue 4: a racy run that lost updates, recorded with the host RTC, replays to the same broken invariant every time.
package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * racy's interleaving comes from its RTC seed and timer interrupts, so with the host clock about half the
 * runs lose updates (exit 1). Each test records until it has the run it wants (bounded: with p ~ 1/2, 30
 * tries all failing has odds of 1e-9), then replays that trace 20 times.
 */
class RacyReproductionTest {
    private static final int ATTEMPTS = 30, REPLAYS = 20;

    @TempDir
    Path tmp;

    private Path recordUntilExit(int wanted, Recordings.Outcome[] recorded) {
        for (int i = 0; i < ATTEMPTS; i++) {
            Path dir = tmp.resolve("racy-" + i);
            Recordings.Outcome o = Recordings.record(dir, Recordings.Setup.guest("racy"));
            if (o.exit() == wanted) {
                recorded[0] = o;
                return dir;
            }
        }
        throw new AssertionError("no racy run in " + ATTEMPTS + " exited " + wanted);
    }

    @Test
    void aRunThatBrokeItsInvariantReplaysBrokenWithTheSameFinalHash20TimesOutOf20() {
        Recordings.Outcome[] rec = new Recordings.Outcome[1];
        Path trace = recordUntilExit(1, rec);
        assertThat(rec[0].console()).contains("invariant BROKEN");

        for (int i = 0; i < REPLAYS; i++) {
            Recordings.Outcome replay = Recordings.replay(trace);
            assertThat(replay).as("replay %d", i).isEqualTo(rec[0]);
        }
    }

    @Test
    void aRunThatKeptItsInvariantReplaysGood20TimesOutOf20() {
        Recordings.Outcome[] rec = new Recordings.Outcome[1];
        Path trace = recordUntilExit(0, rec);
        assertThat(rec[0].console()).contains("invariant held");

        for (int i = 0; i < REPLAYS; i++) {
            Recordings.Outcome replay = Recordings.replay(trace);
            assertThat(replay).as("replay %d", i).isEqualTo(rec[0]);
        }
    }
}
