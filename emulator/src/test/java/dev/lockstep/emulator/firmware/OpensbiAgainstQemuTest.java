package dev.lockstep.emulator.firmware;

import dev.lockstep.emulator.TestGuests;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockstep.emulator.Boot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Debian's OpenSBI fw_jump with S-mode U-Boot as the kernel, on lockstep and on QEMU: OpenSBI's banner
 * and U-Boot's answers must match except for the listed lines; {@code md 0x80000000} must end in the
 * load access fault OpenSBI's PMP gives S-mode there, on both. Skipped without opensbi, u-boot-qemu, QEMU.
 */
class OpensbiAgainstQemuTest {
    private static final Path FW_JUMP = Path.of("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin");
    private static final Path UBOOT_S = Path.of("/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin");

    /** Banner lines that may differ, and why. */
    private static final Map<String, String> DIFFERENCES = Map.of(
            "Boot HART Base ISA", "lockstep has no H extension: rv64imafdc against QEMU's rv64imafdch",
            "Boot HART MIDELEG", "QEMU's extra bits are the H extension's VS and guest interrupts",
            "Boot HART MEDELEG", "QEMU's extra bits are the H extension's VS ecall and guest page faults",
            "CPU:", "riscv,isa, as in UbootAgainstQemuTest",
            "Core:", "DT nodes lockstep does not have, as in UbootAgainstQemuTest",
            "Working FDT set to", "U-Boot relocates the DT; lockstep's is smaller",
            "Hit any key to stop autoboot:", "the countdown QEMU prints depends on host timing");

    private static String converse(ConsoleSession s) throws Exception {
        int at = s.waitFor("Hit any key to stop autoboot", 0);
        s.type("\r");
        at = s.waitFor("=> ", at);
        at = s.command("version", at);
        s.type("md 0x80000000 4\r");
        at = s.waitFor("resetting ...", at);
        String t = s.transcript().substring(0, at);
        return t.substring(t.indexOf("OpenSBI v"));
    }

    private static List<String> normalise(String transcript) {
        List<String> out = new ArrayList<>();
        for (String line : transcript.replace("\r", "").split("\n", -1)) {
            String kept = line;
            for (var d : DIFFERENCES.entrySet()) if (line.startsWith(d.getKey())) kept = "<may differ: " + d.getValue() + ">";
            if (!line.startsWith("Flash:")) out.add(kept); // QEMU's pflash, which lockstep lacks
        }
        return out;
    }

    @Test
    void opensbiAndSmodeUbootPrintWhatTheyPrintUnderQemu() throws Exception {
        assumeTrue(Files.isReadable(FW_JUMP) && Files.isReadable(UBOOT_S), "opensbi or u-boot-qemu is not installed");
        assumeTrue(TestGuests.onPath("qemu-system-riscv64"), "qemu-system-misc is not installed");
        String lockstep;
        try (LockstepSession s = new LockstepSession(new Boot(Boot.Image.read("firmware", FW_JUMP),
                Boot.Image.read("kernel", UBOOT_S), null, null), null)) {
            lockstep = converse(s);
        }
        String qemu;
        try (QemuSession s = new QemuSession(List.of("-bios", FW_JUMP.toString(), "-kernel", UBOOT_S.toString()))) {
            qemu = converse(s);
        }
        assertThat(lockstep).contains("Platform Name             : riscv-virtio,qemu", "Boot HART PMP Count       : 16",
                "Unhandled exception: Load access fault", "TVAL: 0000000080000000");
        assertThat(normalise(lockstep)).containsExactlyElementsOf(normalise(qemu));
    }
}
