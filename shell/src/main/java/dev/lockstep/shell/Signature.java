// `run --signature`: the memory between begin_signature and end_signature, as riscv-arch-test compares it.
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.elf.ElfImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A test's signature region and where it goes. riscv-arch-test's tests write their results between the
 * {@code begin_signature} and {@code end_signature} symbols, and its framework (riscof) compares that
 * region with a reference model's, one hex line per granule (spike's {@code +signature=FILE
 * +signature-granularity=N}), the most significant byte first.
 */
record Signature(Path file, long begin, long end, int granularity) {
    static final String BEGIN = "begin_signature", END = "end_signature";

    /** The region of {@code elf}, or a clear error if it has none. */
    static Signature of(Path file, String elfName, byte[] elf, int granularity) {
        if (granularity != 1 && granularity != 2 && granularity != 4 && granularity != 8) {
            throw new LockstepException("--signature-granularity takes 1, 2, 4 or 8 (bytes per line), not " + granularity);
        }
        if (elf == null) throw new LockstepException("--signature needs a GUEST ELF image with begin_signature and end_signature symbols");
        ElfImage image = ElfImage.parse(elfName, elf);
        long begin = symbol(image, BEGIN), end = symbol(image, END);
        if (Long.compareUnsigned(end, begin) < 0 || end - begin > (1L << 30)) {
            throw new LockstepException(String.format("%s: end_signature (0x%x) is not within 1 GiB after begin_signature (0x%x)",
                    elfName, end, begin));
        }
        return new Signature(file, begin, end, granularity);
    }

    private static long symbol(ElfImage image, String name) {
        return image.symbol(name).orElseThrow(() -> new LockstepException(image.name() + " has no " + name
                + " symbol: --signature dumps the memory between begin_signature and end_signature")).value();
    }

    /** The region as lines of hex, a granule each; a last partial granule is padded with zeros above. */
    String text(Machine m) {
        int length = (int) (end - begin);
        byte[] b = new byte[length];
        if (length > 0 && !m.bus().isRam(begin, length)) {
            throw new LockstepException(String.format("the signature region 0x%x..0x%x is not in RAM", begin, end));
        }
        m.bus().readBytes(begin, b, 0, length);
        StringBuilder s = new StringBuilder(length * 2 + length / granularity + 1);
        for (int i = 0; i < length; i += granularity) {
            for (int j = granularity - 1; j >= 0; j--) {
                int v = i + j < length ? b[i + j] & 0xff : 0;
                s.append(Character.forDigit(v >>> 4, 16)).append(Character.forDigit(v & 15, 16));
            }
            s.append('\n');
        }
        return s.toString();
    }

    void write(Machine m) throws IOException {
        Files.writeString(file, text(m), StandardCharsets.US_ASCII);
    }
}
