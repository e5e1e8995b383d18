// Options shared by every command that builds and runs a machine (run, record, primary).
package dev.lockstep.shell;

import dev.lockstep.emulator.Boot;
import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.replayer.Sessions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The machine and session options of `lockstep run`, reused as a picocli mixin. */
final class RunOptions {
    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "128M",
            description = "RAM size (default: ${DEFAULT-VALUE}), e.g. 64M, 1G.")
    String ram;

    @Option(names = "--max-instructions", paramLabel = "N", defaultValue = "-1",
            description = "Stop after N instructions (default: no limit). Stops runaway guests.")
    long maxInstructions;

    @Option(names = "--rtc", paramLabel = "host|fixed:NANOS", defaultValue = "host",
            description = "What the goldfish RTC reads: the host clock (default) or a fixed time in ns since the epoch.")
    String rtc;

    @Option(names = "--idle", paramLabel = "wait|skip", defaultValue = "wait",
            description = "When the guest waits for a timer: wait in real time (default, as on hardware) or skip ahead at once.")
    String idle;

    @Option(names = "--stats", description = "Print instructions, wall time and MIPS when the run ends.")
    boolean stats;

    @Option(names = "--bios", paramLabel = "FILE",
            description = "Firmware at 0x80000000 (flat binary or ELF), e.g. OpenSBI or M-mode U-Boot. Without it the"
                    + " kernel/guest starts in M-mode, as QEMU's -bios none.")
    String bios;

    @Option(names = "--kernel", paramLabel = "FILE",
            description = "Kernel: a flat image at the first 2 MiB boundary after the firmware, or an ELF at its addresses.")
    String kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial ramdisk, placed as QEMU places it.")
    String initrd;

    @Option(names = "--append", paramLabel = "ARGS", description = "Kernel command line (/chosen/bootargs).")
    String append;

    @Option(names = "--drive", paramLabel = "file=IMG[,format=raw]",
            description = "A virtio-blk disk backed by a raw image file (size a multiple of 512 bytes). A redo journal an FT "
                    + "primary left next to it (IMG.redo) is written into it first.")
    String drive;

    @Option(names = "--netdev", paramLabel = "dgram,local=HOST:PORT,remote=HOST:PORT",
            description = "A virtio-net NIC whose frames travel as UDP datagrams, as QEMU's -netdev dgram (docs/network.md).")
    String netdev;

    @Option(names = "--mac", paramLabel = "MAC", defaultValue = "52:54:00:12:34:56",
            description = "The NIC's MAC address (default: ${DEFAULT-VALUE}, QEMU's).")
    String mac;

    @Option(names = "--rng", description = "A virtio-rng device fed from the host's SecureRandom.")
    boolean rng;

    @Option(names = "--virtio", paramLabel = "legacy|modern", defaultValue = "legacy",
            description = "virtio-mmio transport version: legacy (1, QEMU 7.2's default) or modern (2).")
    String virtio;

    @Option(names = "--no-reboot",
            description = "End the run when the guest resets the machine (Linux's reboot, OpenSBI's SRST, U-Boot's reset), "
                    + "as QEMU's -no-reboot. By default the machine resets: hart and devices to power-on, the images "
                    + "loaded again, the rest of RAM kept.")
    boolean noReboot;

    @Option(names = "--smp", paramLabel = "N", defaultValue = "1",
            description = "Harts (1 to " + MachineConfig.MAX_HARTS + ", default ${DEFAULT-VALUE}), as QEMU's -smp. They take "
                    + "turns of " + Machine.TURN + " instructions (shorter when one executes WFI or PAUSE, sends an IPI, or a device wakes another from WFI) and "
                    + "share one instruction number, so a multi-hart run replays exactly.")
    int smp;

    /**
     * What to boot: a GUEST (an ELF file or a bundled guest's name, with --append if given) or firmware, a
     * kernel and an initrd as QEMU takes them. Neither, or both, is refused before anything starts.
     */
    Sessions.Spec spec(String guest, String verb) {
        if (guest != null && (kernel != null || bios != null || initrd != null)) {
            throw new LockstepException("give either a GUEST or --bios/--kernel/--initrd, not both");
        }
        if (guest != null) return Sessions.Spec.elf(Guests.load(guest).name(), Guests.bytes(guest), append);
        if (bios == null && kernel == null) {
            throw new LockstepException("nothing to " + verb + ": give a GUEST, --kernel FILE or --bios FILE");
        }
        return Sessions.Spec.firmware(
                new Boot(image("firmware", bios), image("kernel", kernel), image("initrd", initrd), append));
    }

    private static Boot.Image image(String what, String file) {
        return file == null ? null : Boot.Image.read(what, Path.of(file));
    }

    MachineConfig config() {
        boolean legacy = switch (virtio) {
            case "legacy" -> true;
            case "modern" -> false;
            default -> throw new LockstepException("--virtio takes 'legacy' or 'modern', not '" + virtio + "'");
        };
        return MachineConfig.DEFAULT.withRam(MachineConfig.parseSize(ram)).withVirtioLegacy(legacy).withExitOnReboot(noReboot).withHarts(smp);
    }

    /** The image file named in --drive. */
    String driveFile() {
        if (drive == null) return null;
        String file = null;
        for (String part : drive.split(",")) {
            if (part.startsWith("file=")) file = part.substring(5);
            else if (part.equals("format=raw") || part.equals("if=virtio") || part.startsWith("id=")) continue;
            else if (part.startsWith("format=")) throw new LockstepException("--drive: only format=raw images are supported, not " + part.substring(7));
            else throw new LockstepException("--drive: unknown key in '" + part + "' (use file=IMG[,format=raw])");
        }
        if (file == null || file.isEmpty()) throw new LockstepException("--drive needs file=IMG");
        return file;
    }

    byte[] macBytes() {
        String[] p = mac.split(":");
        if (p.length != 6) throw new LockstepException("--mac: '" + mac + "' is not six hex bytes like 52:54:00:12:34:56");
        byte[] b = new byte[6];
        try {
            for (int i = 0; i < 6; i++) b[i] = (byte) Integer.parseInt(p[i], 16);
        } catch (NumberFormatException e) {
            throw new LockstepException("--mac: '" + mac + "' is not six hex bytes like 52:54:00:12:34:56");
        }
        return b;
    }

    /** The instruction limit; -1 reads as unsigned infinity. */
    long limit() { return maxInstructions < 0 ? -1L : maxInstructions; }

    boolean realTimeIdle() {
        return switch (idle) {
            case "wait" -> true;
            case "skip" -> false;
            default -> throw new LockstepException("--idle takes 'wait' or 'skip', not '" + idle + "'");
        };
    }

    InputPort rtcPort() {
        if (rtc.equals("host")) {
            return instret -> {
                java.time.Instant now = java.time.Instant.now();
                return now.getEpochSecond() * 1_000_000_000L + now.getNano();
            };
        }
        if (rtc.startsWith("fixed:")) {
            try {
                long v = Long.parseLong(rtc.substring(6));
                return InputPort.fixedClock(v);
            } catch (NumberFormatException e) {
                throw new LockstepException("--rtc fixed: needs a number of nanoseconds, not '" + rtc.substring(6) + "'");
            }
        }
        throw new LockstepException("--rtc takes 'host' or 'fixed:NANOS', not '" + rtc + "'");
    }
}
