// Symbols of the guest ELF and the debugger's address expressions: 0x80001000, 4096, counter, worker+0x10, $sp.
package dev.lockstep.shell.debug;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.elf.ElfImage;
import dev.lockstep.emulator.isa.CsrNames;
import dev.lockstep.emulator.isa.Disassembler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Symbol lookups and address parsing against the machine's ELF image and registers. */
public final class Symbols {
    private final Machine machine;
    private final List<ElfImage.Symbol> symbols;

    Symbols(Machine machine) {
        this.machine = machine;
        this.symbols = machine.image().map(ElfImage::symbols).orElse(List.of()).stream()
                .filter(s -> !s.name().isEmpty() && !s.name().startsWith("$")).toList();
    }

    public List<String> names() {
        List<String> n = new ArrayList<>();
        for (ElfImage.Symbol s : symbols) n.add(s.name());
        return n;
    }

    public Optional<ElfImage.Symbol> lookup(String name) {
        return symbols.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** {@code <name+off>} for an address inside (or just after) a symbol, or empty. */
    public String describe(long addr) {
        // Outside the image's segments a preceding symbol would only mislead (the boot ROM is not "vfscanf+4096").
        boolean inImage = machine.image().map(i -> i.segments().stream()
                .anyMatch(g -> Long.compareUnsigned(addr - g.vaddr(), Math.max(g.memSize(), 1)) < 0)).orElse(false);
        if (!inImage) return "";
        Optional<ElfImage.Symbol> s = machine.image().flatMap(i -> i.symbolAt(addr));
        if (s.isEmpty() || s.get().name().isEmpty()) return "";
        long off = addr - s.get().value();
        return "<" + s.get().name() + (off != 0 ? "+" + off : "") + ">";
    }

    /** Register names the REPL completes: pc, ABI names, xN and fN. */
    public static final String[] REGISTER_NAMES;

    static {
        List<String> r = new ArrayList<>(List.of("pc"));
        for (int i = 0; i < 32; i++) {
            r.add(Disassembler.xName(i));
            r.add("x" + i);
        }
        for (int i = 0; i < 32; i++) {
            r.add(Disassembler.fName(i));
            r.add("f" + i);
        }
        r.add("fp");
        REGISTER_NAMES = r.toArray(String[]::new);
    }

    /**
     * Evaluates an address expression: terms joined by + and -, each a number (decimal, 0x hex), a symbol,
     * or a register ($sp, $pc, $a0, or a bare register name when no symbol has that name).
     */
    public long parse(String expr) {
        String e = expr.trim();
        if (e.isEmpty()) throw new DebugException("an address is needed");
        if (e.startsWith("&")) e = e.substring(1);
        long total = 0;
        int i = 0, sign = 1;
        boolean expectTerm = true;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (!expectTerm && (c == '+' || c == '-')) {
                sign = c == '+' ? 1 : -1;
                expectTerm = true;
                i++;
                continue;
            }
            if (!expectTerm) throw new DebugException("malformed address '" + expr + "': expected + or - at '" + e.substring(i) + "'");
            int j = i;
            while (j < e.length() && (Character.isLetterOrDigit(e.charAt(j)) || "_.$".indexOf(e.charAt(j)) >= 0)) j++;
            if (j == i) throw new DebugException("malformed address '" + expr + "': unexpected '" + c + "'");
            total += sign * term(e.substring(i, j), expr);
            expectTerm = false;
            i = j;
        }
        if (expectTerm) throw new DebugException("malformed address '" + expr + "': it ends with an operator");
        return total;
    }

    private long term(String t, String expr) {
        if (Character.isDigit(t.charAt(0))) {
            try {
                if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseUnsignedLong(t.substring(2).replace("_", ""), 16);
                return Long.parseLong(t.replace("_", ""));
            } catch (NumberFormatException ex) {
                throw new DebugException("malformed address '" + expr + "': '" + t + "' is not a number");
            }
        }
        if (t.startsWith("$")) {
            Long r = register(t.substring(1));
            if (r == null) throw new DebugException("unknown register '" + t + "' in '" + expr + "'");
            return r;
        }
        Optional<ElfImage.Symbol> s = lookup(t);
        if (s.isPresent()) return s.get().value();
        Long r = register(t);
        if (r != null) return r;
        throw new DebugException("no symbol '" + t + "' in " + machine.image().map(ElfImage::name).orElse("the guest (it has no symbols)")
                + (expr.equals(t) ? "" : " (in '" + expr + "')"));
    }

    /** The value of a register by ABI name, xN, fN or pc; a CSR by name; or null. */
    public Long register(String name) {
        String n = name.toLowerCase();
        if (n.equals("pc")) return machine.hart().pc();
        if (n.equals("fp")) return machine.hart().x(8);
        for (int i = 0; i < 32; i++) {
            if (n.equals(Disassembler.xName(i)) || n.equals("x" + i)) return machine.hart().x(i);
            if (n.equals(Disassembler.fName(i)) || n.equals("f" + i)) return machine.hart().f(i);
        }
        int csr = CsrNames.number(n);
        return csr >= 0 ? machine.hart().readCsr(csr) : null;
    }
}
