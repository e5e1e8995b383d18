// Test support: writes a minimal RV64 ELF executable around hand-assembled code.
package dev.lockstep.shell;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** An ELF64 little-endian RISC-V EXEC image with one PT_LOAD segment and no sections. */
final class TinyElf {
    private TinyElf() {}

    static byte[] of(long address, int... words) {
        int header = 64, phdr = 56;
        ByteBuffer b = ByteBuffer.allocate(header + phdr + 4 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short) 2).putShort((short) 243).putInt(1); // EXEC, RISC-V, version 1
        b.putLong(address).putLong(header).putLong(0); // entry, phoff, shoff
        b.putInt(0).putShort((short) header).putShort((short) phdr).putShort((short) 1); // flags, sizes, phnum
        b.putShort((short) 64).putShort((short) 0).putShort((short) 0); // shentsize, shnum, shstrndx
        long size = 4L * words.length;
        b.putInt(1).putInt(7).putLong(header + phdr).putLong(address).putLong(address).putLong(size).putLong(size).putLong(4);
        for (int w : words) b.putInt(w);
        return b.array();
    }
}
