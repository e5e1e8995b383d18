package dev.lockstep.emulator.firmware;

import dev.lockstep.emulator.TestGuests;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockstep.emulator.Boot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's M-mode U-Boot (u-boot-qemu) on lockstep and on {@code qemu-system-riscv64 -M virt -m 128M}
 * with the same disk, driven with the same console input: the transcripts must be identical except for
 * the lines listed in {@link #DIFFERENCES}, each with the reason it may differ. Skipped when u-boot-qemu
 * or QEMU is not installed.
 */
class UbootAgainstQemuTest {
    private static final Path UBOOT = Path.of("/usr/lib/u-boot/qemu-riscv64/u-boot.bin");
    private static final List<String> COMMANDS = List.of("version", "bdinfo", "md.q 0x80000000 8",
            "crc32 0x80000000 0x10000", "virtio scan; virtio info");

    /** A line that may legitimately differ, and why. */
    private record Difference(Pattern line, String reason) {}

    private static final List<Difference> DIFFERENCES = List.of(
            new Difference(Pattern.compile("^CPU: .*"),
                    "riscv,isa is what each hart implements: QEMU's has H, Zba/Zbb/Zbc/Zbs"),
            new Difference(Pattern.compile("^Core: .*"),
                    "U-Boot counts the devices bound from the DT; QEMU's DT also has pci, pflash, fw-cfg, platform-bus and pmu"
                            + " nodes for devices lockstep does not emulate"),
            new Difference(Pattern.compile("^Flash: .*"), "lockstep has no CFI pflash at 0x20000000, so U-Boot prints no Flash line"),
            new Difference(Pattern.compile("^(flashstart|flashsize) .*"), "no pflash, as above: lockstep reports 0"),
            new Difference(Pattern.compile("^(fdt_blob|new_fdt|fdt_size) .*|^ reserved\\[\\d\\].*"),
                    "U-Boot relocates the DT below itself; lockstep's DT is smaller (no pci/pflash/fw-cfg/pmu nodes),"
                            + " so it lands at another address"),
            new Difference(Pattern.compile("^Hit any key to stop autoboot:.*"),
                    "the countdown QEMU prints depends on host timing; the test stops it with a key on both"));

    @TempDir
    Path tmp;

    /** Boots to the prompt, stopping autoboot, then runs every command; returns the transcript from U-Boot's banner. */
    private static String converse(ConsoleSession s) throws Exception {
        int at = s.waitFor("Hit any key to stop autoboot", 0);
        s.type("\r");
        at = s.waitFor("=> ", at);
        for (String c : COMMANDS) at = s.command(c, at);
        String t = s.transcript().substring(0, at);
        return t.substring(t.indexOf("U-Boot "));
    }

    /** Replaces each line that may differ by the reason it may; drops lines only one side prints. */
    static List<String> normalise(String transcript) {
        List<String> out = new ArrayList<>();
        for (String raw : transcript.replace("\r", "").split("\n", -1)) {
            String line = raw.replaceAll("[^\\n]*\\x08", ""); // backspaced countdown digits
            String kept = line;
            // What is left of the autoboot countdown ("2", " 0 ") depends on when the key reached QEMU.
            if (line.matches("\\s*\\d\\s*")) kept = "<may differ: the autoboot countdown digit, host timing on QEMU>";
            else for (Difference d : DIFFERENCES) {
                if (d.line.matcher(line).matches()) {
                    kept = d.line.pattern().startsWith("^Flash") ? null : "<may differ: " + d.reason + ">";
                    break;
                }
            }
            if (kept != null) out.add(kept);
        }
        return out;
    }

    @Test
    void ubootPrintsWhatItPrintsUnderQemu() throws Exception {
        assumeTrue(Files.isReadable(UBOOT), "u-boot-qemu is not installed");
        assumeTrue(TestGuests.onPath("qemu-system-riscv64"), "qemu-system-misc is not installed");
        Path ours = tmp.resolve("lockstep.img"), theirs = tmp.resolve("qemu.img");
        Files.write(ours, new byte[1 << 20]);
        Files.write(theirs, new byte[1 << 20]);

        String lockstep;
        try (LockstepSession s = new LockstepSession(
                new Boot(Boot.Image.read("firmware", UBOOT), null, null, null), ours)) {
            lockstep = converse(s);
        }
        String qemu;
        try (QemuSession s = new QemuSession(List.of("-bios", UBOOT.toString(),
                "-drive", "file=" + theirs + ",format=raw,if=none,id=hd0", "-device", "virtio-blk-device,drive=hd0"))) {
            qemu = converse(s);
        }

        assertThat(lockstep).contains("crc32 for 80000000 ... 8000ffff ==>", "VirtIO Block Device",
                "Capacity: 1.0 MB = 0.0 GB (2048 x 512)");
        assertThat(normalise(lockstep)).containsExactlyElementsOf(normalise(qemu));
    }
}
