// The committed guest images are exactly what the guest sources build to.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * guests/prebuilt is what the jar bundles and the tests run, so it must not drift from guests/*.c. The build
 * is reproducible (guests/README.md), so a rebuild elsewhere must give byte-identical ELFs.
 */
class GuestImagesTest {
    private static final String[] GUESTS = {"hello", "bench", "bench-small", "selftest", "racy", "idle"};

    private static boolean runs(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void rebuildingTheGuestsReproducesThePrebuiltImagesByteForByte(@TempDir Path out) throws Exception {
        Assumptions.assumeTrue(runs("riscv64-unknown-elf-gcc", "--version"),
                "install gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf to run this test");
        Assumptions.assumeTrue(runs("make", "--version"), "install make to run this test");
        Path guests = TestGuests.root().resolve("guests");

        Process make = new ProcessBuilder("make", "-s", "-j2", "-C", guests.toString(), "OUT=" + out.toAbsolutePath())
                .redirectErrorStream(true).start();
        String log = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean finished = make.waitFor(300, TimeUnit.SECONDS); // a hang guard only
        make.destroyForcibly();

        assertThat(finished).as("make finished").isTrue();
        assertThat(make.exitValue()).as("make's status; its output:%n%s", log).isZero();
        for (String g : GUESTS) {
            assertThat(Files.readAllBytes(out.resolve(g + ".elf"))).as("%s.elf rebuilt", g)
                    .isEqualTo(Files.readAllBytes(TestGuests.prebuilt(g)));
        }
    }
}
