// Reads a RISC-V ELF64 executable: its loadable segments, entry point and symbol table.
package dev.lockstep.emulator.elf;

import dev.lockstep.emulator.LockstepException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A parsed ELF64 little-endian RISC-V image. Every malformed or foreign file gets a one-sentence
 * {@link LockstepException} naming the file and what is wrong; nothing here trusts an offset it has not
 * checked against the file's length.
 */
public final class ElfImage {
    public record Segment(long paddr, long vaddr, byte[] data, long memSize, int flags) {}

    public record Symbol(String name, long value, long size, boolean function) {}

    private static final int EM_RISCV = 243, PT_LOAD = 1, SHT_SYMTAB = 2;

    private final String name;
    private final long entry;
    private final List<Segment> segments;
    private final List<Symbol> symbols;

    private ElfImage(String name, long entry, List<Segment> segments, List<Symbol> symbols) {
        this.name = name;
        this.entry = entry;
        this.segments = segments;
        this.symbols = symbols;
    }

    public static boolean looksLikeElf(byte[] d) {
        return d.length >= 4 && d[0] == 0x7f && d[1] == 'E' && d[2] == 'L' && d[3] == 'F';
    }

    public static ElfImage parse(String name, byte[] d) {
        if (!looksLikeElf(d)) throw new LockstepException(name + " is not an ELF file (no ELF magic at its start)");
        if (d.length < 64) throw new LockstepException(name + " is truncated: too short for an ELF header");
        if (d[4] != 2) throw new LockstepException(name + " is a 32-bit ELF; lockstep runs RV64 (ELF64) images");
        if (d[5] != 1) throw new LockstepException(name + " is a big-endian ELF; RISC-V images are little-endian");
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        int machine = b.getShort(18) & 0xffff;
        if (machine != EM_RISCV) {
            throw new LockstepException(name + " is an ELF for machine " + machine + " (" + machineName(machine)
                    + "), not RISC-V");
        }
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        long shoff = b.getLong(40);
        int phentsize = b.getShort(54) & 0xffff, phnum = b.getShort(56) & 0xffff;
        int shentsize = b.getShort(58) & 0xffff, shnum = b.getShort(60) & 0xffff;
        if (phnum > 0 && (phentsize < 56 || !fits(d, phoff, (long) phentsize * phnum))) {
            throw new LockstepException(name + " is truncated: its program headers lie beyond the end of the file");
        }
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int p = (int) (phoff + (long) i * phentsize);
            if (b.getInt(p) != PT_LOAD) continue;
            int flags = b.getInt(p + 4);
            long off = b.getLong(p + 8), vaddr = b.getLong(p + 16), paddr = b.getLong(p + 24);
            long filesz = b.getLong(p + 32), memsz = b.getLong(p + 40);
            if (!fits(d, off, filesz)) {
                throw new LockstepException(String.format("%s is truncated: segment %d (%d bytes at file offset %d) "
                        + "lies beyond the end of the %d-byte file", name, i, filesz, off, d.length));
            }
            if (memsz < filesz) throw new LockstepException(name + ": segment " + i + " is smaller in memory than in the file");
            byte[] data = new byte[(int) filesz];
            System.arraycopy(d, (int) off, data, 0, (int) filesz);
            segments.add(new Segment(paddr, vaddr, data, memsz, flags));
        }
        if (segments.isEmpty()) throw new LockstepException(name + " has no loadable segments");
        List<Symbol> symbols = new ArrayList<>();
        if (shnum > 0 && shentsize >= 64 && fits(d, shoff, (long) shentsize * shnum)) {
            for (int i = 0; i < shnum; i++) {
                int s = (int) (shoff + (long) i * shentsize);
                if (b.getInt(s + 4) != SHT_SYMTAB) continue;
                long off = b.getLong(s + 24), size = b.getLong(s + 32);
                int link = b.getInt(s + 40);
                if (link < 0 || link >= shnum || !fits(d, off, size)) continue;
                int ls = (int) (shoff + (long) link * shentsize);
                long stroff = b.getLong(ls + 24), strsize = b.getLong(ls + 32);
                if (!fits(d, stroff, strsize)) continue;
                for (long e = off; e + 24 <= off + size; e += 24) {
                    int nameOff = b.getInt((int) e);
                    int info = d[(int) e + 4] & 0xff;
                    int type = info & 0xf;
                    long value = b.getLong((int) e + 8), sz = b.getLong((int) e + 16);
                    if (nameOff <= 0 || nameOff >= strsize || (type != 0 && type != 1 && type != 2)) continue;
                    String sym = cstring(d, (int) (stroff + nameOff), (int) (stroff + strsize));
                    if (sym.isEmpty() || sym.startsWith("$")) continue;
                    symbols.add(new Symbol(sym, value, sz, type == 2));
                }
            }
        }
        symbols.sort(Comparator.comparingLong(Symbol::value));
        return new ElfImage(name, entry, List.copyOf(segments), Collections.unmodifiableList(symbols));
    }

    private static boolean fits(byte[] d, long off, long len) {
        return off >= 0 && len >= 0 && off <= d.length && len <= d.length - off;
    }

    private static String cstring(byte[] d, int from, int limit) {
        int end = from;
        while (end < limit && d[end] != 0) end++;
        return new String(d, from, end - from, StandardCharsets.UTF_8);
    }

    private static String machineName(int m) {
        return switch (m) {
            case 3 -> "x86";
            case 62 -> "x86-64";
            case 40 -> "ARM";
            case 183 -> "AArch64";
            case 8 -> "MIPS";
            case 21 -> "PowerPC64";
            default -> "unknown";
        };
    }

    public String name() { return name; }
    public long entry() { return entry; }
    public List<Segment> segments() { return segments; }
    public List<Symbol> symbols() { return symbols; }

    public Optional<Symbol> symbol(String name) {
        return symbols.stream().filter(s -> s.name.equals(name)).findFirst();
    }

    /** The symbol containing (or, failing that, preceding) {@code addr}, for symbol+offset display. */
    public Optional<Symbol> symbolAt(long addr) {
        Symbol best = null;
        for (Symbol s : symbols) {
            if (Long.compareUnsigned(s.value, addr) > 0) break;
            if (s.size == 0 && best != null && best.size > 0 && addr < best.value + best.size) continue;
            best = s;
        }
        if (best == null) return Optional.empty();
        if (best.size > 0 && addr >= best.value + best.size) return Optional.empty();
        return Optional.of(best);
    }
}
