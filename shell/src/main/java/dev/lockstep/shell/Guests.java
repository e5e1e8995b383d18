// Finds guest images: a file on disk, or one of the guests bundled in the jar (hello, racy, ...).
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.elf.ElfImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves a guest argument to ELF bytes. */
final class Guests {
    private Guests() {}

    static final String[] BUNDLED = {"hello", "selftest", "racy", "bench", "bench-small", "vmtest", "fptest", "kvserver", "kvcons", "idle", "entropy", "reboot", "smp"};

    static ElfImage load(String arg) {
        byte[] b = bytes(arg);
        Path p = Path.of(arg);
        return ElfImage.parse(Files.isRegularFile(p) ? p.getFileName().toString() : arg, b);
    }

    /** The image's bytes, from the file or the bundled guest of that name. */
    static byte[] bytes(String arg) {
        Path p = Path.of(arg);
        try {
            if (Files.isRegularFile(p)) {
                return Files.readAllBytes(p);
            }
            try (InputStream in = Guests.class.getResourceAsStream("/guests/" + arg.replaceAll("\\.elf$", "") + ".elf")) {
                if (in != null) return in.readAllBytes();
            }
            if (Files.isDirectory(p)) throw new LockstepException(arg + " is a directory, not a guest image");
        } catch (IOException e) {
            throw new LockstepException("cannot read " + arg + ": " + e.getMessage(), e);
        }
        throw new LockstepException(arg + ": no such file (bundled guests: " + String.join(", ", BUNDLED) + ")");
    }
}
