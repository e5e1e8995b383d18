// The committed Linux guest (guests/linux/Image and initramfs.cpio) is what its sources build to, byte for byte.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs guests/linux/build.sh, which builds the kernel from Debian's linux-source-6.1 with config.sh and the
 * initramfs from init.c, and compares both with the committed files, as GuestImagesTest does for the
 * bare-metal guests. It takes about 10 minutes on 2 cores, so it runs where the packages are installed (CI
 * installs them) and is skipped elsewhere, saying what to install.
 *
 * <p>A kernel is the same bytes only from the same source and compiler: guests/linux/SOURCE names the
 * packages the committed images came from. When Debian has moved on (a security update to linux-source-6.1),
 * the test fails saying so: the images must then be rebuilt with {@code build.sh --update} and committed.
 */
class LinuxImagesTest {
    private static final List<String> PACKAGES =
            List.of("linux-source-6.1", "gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross", "bc", "flex", "bison", "libssl-dev");
    /** The packages whose versions decide the bytes, as build.sh writes them to SOURCE. */
    private static final List<String> SOURCE_PACKAGES = List.of("linux-source-6.1", "gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross");

    private static String dpkg(List<String> packages) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dpkg-query", "-W", "-f=${Package} ${Version} ${Status}\\n"));
        cmd.addAll(packages);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    private static List<String> missing() throws Exception {
        if (!TestGuests.answers("dpkg-query", "--version")) return PACKAGES;
        String installed = dpkg(PACKAGES);
        List<String> missing = new ArrayList<>();
        for (String p : PACKAGES) {
            if (!installed.lines().anyMatch(l -> l.startsWith(p + " ") && l.endsWith("install ok installed"))) missing.add(p);
        }
        return missing;
    }

    @Test
    void rebuildingTheKernelAndInitramfsReproducesTheCommittedImages(@TempDir Path work) throws Exception {
        List<String> missing = missing();
        assumeTrue(missing.isEmpty(), "install " + String.join(" ", missing) + " to rebuild the Linux guest and compare it"
                + " with guests/linux (about 10 minutes on 2 cores)");
        Path linux = TestGuests.root().resolve("guests/linux");
        StringBuilder versions = new StringBuilder();
        for (String l : dpkg(SOURCE_PACKAGES).lines().sorted().toList()) {
            String[] f = l.split(" ");
            versions.append(f[0]).append(' ').append(f[1]).append('\n');
        }
        assertThat(versions.toString())
                .as("the packages the committed images were built from (guests/linux/SOURCE); these make other bytes:"
                        + " rebuild with 'bash guests/linux/build.sh --update' and commit the images and SOURCE")
                .isEqualTo(String.join("\n", Files.readString(linux.resolve("SOURCE")).lines().sorted().toList()) + "\n");

        Process build = new ProcessBuilder("bash", linux.resolve("build.sh").toString(), work.toString())
                .redirectErrorStream(true).start();
        build.getOutputStream().close();
        String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor(60, TimeUnit.MINUTES)).as("build.sh finished (a hang guard)").isTrue();

        assertThat(build.exitValue()).as("build.sh:%n%s", log).isZero();
        assertThat(log).contains("build.sh: Image is byte for byte the committed one",
                "build.sh: initramfs.cpio is byte for byte the committed one");
    }
}
