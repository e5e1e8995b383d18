// Linux (guests/linux: a 6.1 kernel and a tiny init) under Debian's OpenSBI: to userspace, through reboots, recorded and replayed.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockstep.emulator.TestGuests;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxBootTest {
    private static final Path FW_JUMP = Path.of("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin");

    @TempDir
    Path dir;

    @BeforeEach
    void needsOpensbi() {
        assumeTrue(Files.isReadable(FW_JUMP), "install opensbi (Debian's package) to boot Linux under it");
    }

    private Path disk() throws IOException {
        Path p = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(8 << 20);
        }
        return p;
    }

    private List<String> boot(String verb, String append, String... more) throws IOException {
        Path linux = TestGuests.root().resolve("guests/linux");
        List<String> args = new ArrayList<>(List.of(verb));
        args.addAll(List.of(more));
        args.addAll(List.of("--idle", "skip", "--bios", FW_JUMP.toString(), "--kernel", linux.resolve("Image").toString(),
                "--initrd", linux.resolve("initramfs.cpio").toString(), "--append", append, "--ram", "256M",
                "--drive", "file=" + disk()));
        return args;
    }

    @Test
    void linuxBootsToUserspaceFindsTheVirtioDevicesAndPowersOff() throws IOException {
        Cli.Result r = Cli.run(boot("run", "console=ttyS0", "--rng").toArray(String[]::new));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Linux version 6.1", "lockstep init: hello from userspace (pid 1)",
                "isa\t\t: rv64imafdc", "mmu\t\t: sv48", "hwrng: read 8 bytes:", "/sys/block: vda", "reboot: Power down");
    }

    /** Linux's reboot goes through OpenSBI to the board's reset; init counts its boots on the disk. */
    @Test
    void linuxRebootsTheMachineAndTheRecordingReplaysVerifiedThroughTheReboot() throws IOException {
        Path trace = dir.resolve("reboot.trace");
        Cli.Result rec = Cli.run(boot("record", "console=ttyS0 lockstep.reboots=1", "-o", trace.toString()).toArray(String[]::new));
        Cli.Result rep = Cli.run("replay", "--verify", "--quiet", trace.toString());

        assertThat(rec.exit()).as(rec.err()).isZero();
        assertThat(rec.out()).contains("lockstep init: boot 1, 1 reboots wanted", "lockstep init: rebooting",
                "reboot: Restarting system", "lockstep init: boot 2, 1 reboots wanted", "reboot: Power down");
        assertThat(rec.out().split("OpenSBI v", -1)).as("OpenSBI's banners: one per boot").hasSize(3);
        byte[] sector = new byte[8];
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("disk.img").toFile(), "r")) {
            f.readFully(sector);
        }
        assertThat(new String(sector, StandardCharsets.US_ASCII)).isEqualTo("boots 2\n");
        assertThat(rep.exit()).as(rep.err()).isZero();
        assertThat(rep.err()).contains("verified");
    }
}
