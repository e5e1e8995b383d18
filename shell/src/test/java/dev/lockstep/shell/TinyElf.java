// Test support: writes a minimal RV64 ELF executable around hand-assembled code.
package dev.lockstep.shell;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** An ELF64 little-endian RISC-V EXEC image with one PT_LOAD segment, and a symbol table if asked for. */
final class TinyElf {
    private TinyElf() {}

    private static final int HEADER = 64, PHDR = 56, SHDR = 64, SYM = 24;

    static byte[] of(long address, int... words) { return of(address, Map.of(), words); }

    /** With {@code symbols} (name to value) as absolute global symbols in .symtab, linked to .strtab. */
    static byte[] of(long address, Map<String, Long> symbols, int... words) {
        int code = 4 * words.length;
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        names.write(0);
        ByteBuffer syms = ByteBuffer.allocate(SYM * (1 + symbols.size())).order(ByteOrder.LITTLE_ENDIAN);
        syms.put(new byte[SYM]); // entry 0 is the undefined symbol
        for (Map.Entry<String, Long> s : symbols.entrySet()) {
            syms.putInt(names.size()).put((byte) 0x10).put((byte) 0).putShort((short) 0xfff1); // GLOBAL NOTYPE, SHN_ABS
            syms.putLong(s.getValue()).putLong(0);
            names.writeBytes(s.getKey().getBytes(StandardCharsets.US_ASCII));
            names.write(0);
        }
        boolean sections = !symbols.isEmpty();
        int strOff = HEADER + PHDR + code, symOff = strOff + names.size(), shOff = symOff + syms.capacity();
        int total = sections ? shOff + 3 * SHDR : HEADER + PHDR + code;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short) 2).putShort((short) 243).putInt(1); // EXEC, RISC-V, version 1
        b.putLong(address).putLong(HEADER).putLong(sections ? shOff : 0); // entry, phoff, shoff
        b.putInt(0).putShort((short) HEADER).putShort((short) PHDR).putShort((short) 1); // flags, sizes, phnum
        b.putShort((short) SHDR).putShort((short) (sections ? 3 : 0)).putShort((short) 0); // shentsize, shnum, shstrndx
        b.putInt(1).putInt(7).putLong(HEADER + PHDR).putLong(address).putLong(address).putLong(code).putLong(code).putLong(4);
        for (int w : words) b.putInt(w);
        if (sections) {
            b.put(names.toByteArray()).put(syms.array());
            b.put(new byte[SHDR]); // section 0: SHT_NULL
            section(b, 2, symOff, syms.capacity(), 2, SYM); // .symtab, linked to section 2
            section(b, 3, strOff, names.size(), 0, 0);      // .strtab
        }
        return b.array();
    }

    private static void section(ByteBuffer b, int type, long offset, long size, int link, int entsize) {
        b.putInt(0).putInt(type).putLong(0).putLong(0).putLong(offset).putLong(size).putInt(link).putInt(0).putLong(1).putLong(entsize);
    }
}
