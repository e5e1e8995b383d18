// The committed guest images are what the sources build to: rebuilding guests/ reproduces them byte for byte.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Needs Debian's gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf (guests/README.md) and skips
 * without them. fptest's expected values come from guests/expected/fptest.txt, so the rebuild also
 * proves the committed fptest carries the committed table.
 */
class GuestImagesTest {
    private static final List<String> GUESTS =
            List.of("hello", "bench", "bench-small", "selftest", "racy", "vmtest", "fptest", "kvserver", "kvcons", "idle", "entropy", "reboot", "smp");

    private static boolean toolchainPresent() { return TestGuests.answers("riscv64-unknown-elf-gcc", "--version"); }

    @Test
    void everyPrebuiltImageIsAGuestOfTheMakefile() throws IOException {
        try (Stream<Path> files = Files.list(TestGuests.root().resolve("guests/prebuilt"))) {
            assertThat(files.map(p -> p.getFileName().toString().replaceAll("\\.elf$", "")))
                    .containsExactlyInAnyOrderElementsOf(GUESTS);
        }
        String makefile = Files.readString(TestGuests.root().resolve("guests/Makefile"));
        assertThat(makefile).contains("GUESTS  := " + String.join(" ", GUESTS) + "\n");
    }

    @Test
    void rebuildingTheGuestsReproducesThePrebuiltImages(@TempDir Path out) throws Exception {
        Assumptions.assumeTrue(toolchainPresent(), "install gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf");
        Path guests = TestGuests.root().resolve("guests");
        Process make = new ProcessBuilder("make", "-s", "OUT=" + out.toAbsolutePath(), "all")
                .directory(guests.toFile()).redirectErrorStream(true).start();
        String log = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(make.waitFor(600, TimeUnit.SECONDS)).as("make finished").isTrue();
        assertThat(make.exitValue()).as("make failed:%n%s", log).isZero();

        for (String g : GUESTS) {
            assertThat(Files.readAllBytes(out.resolve(g + ".elf")))
                    .as("%s.elf rebuilt from source (run make prebuilt after changing a guest)", g)
                    .isEqualTo(Files.readAllBytes(guests.resolve("prebuilt/" + g + ".elf")));
        }
    }
}
