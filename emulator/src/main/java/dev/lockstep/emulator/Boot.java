// What to boot: firmware, kernel, initrd and command line, as QEMU's -bios, -kernel, -initrd and -append.
package dev.lockstep.emulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The images of a boot, already read. Without a BIOS the kernel is started directly in M-mode (QEMU's
 * {@code -bios none -kernel}); with one, the BIOS starts at 0x80000000 and the kernel goes where QEMU
 * puts it: a flat image at the first 2 MiB boundary after the firmware, an ELF at its own addresses.
 *
 * @param bios   firmware (flat binary or ELF), or null
 * @param kernel kernel or bare-metal program (flat binary or ELF), or null
 * @param initrd initial ramdisk, or null
 * @param append the kernel command line (/chosen/bootargs), or null
 */
public record Boot(Image bios, Image kernel, Image initrd, String append) {
    /** An image file's name (for messages) and bytes. */
    public record Image(String name, byte[] data) {
        /** Reads an image file; a missing, unreadable or empty file is a one-line user error. */
        public static Image read(String what, Path p) {
            try {
                if (Files.isDirectory(p)) throw new LockstepException(what + " " + p + " is a directory, not an image");
                byte[] d = Files.readAllBytes(p);
                if (d.length == 0) throw new LockstepException(what + " " + p + " is empty");
                return new Image(p.getFileName().toString(), d);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new LockstepException(what + " " + p + ": no such file");
            } catch (java.nio.file.AccessDeniedException e) {
                throw new LockstepException(what + " " + p + ": permission denied");
            } catch (IOException e) {
                throw new LockstepException("cannot read " + what + " " + p + ": " + e.getMessage(), e);
            }
        }
    }

    public static final Boot NONE = new Boot(null, null, null, null);
}
