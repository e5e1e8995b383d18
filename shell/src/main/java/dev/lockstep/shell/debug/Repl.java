// The debugger's command language: every REPL command, its help, and what it prints.
package dev.lockstep.shell.debug;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.cpu.Hart;
import dev.lockstep.emulator.isa.CsrNames;
import dev.lockstep.emulator.isa.Disassembler;
import dev.lockstep.emulator.isa.Insn;
import dev.lockstep.shell.EventsCommand;
import dev.lockstep.traceformat.EntryCursor;
import dev.lockstep.traceformat.EntryType;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.OutputKind;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes one command line against a {@link Debugger} and prints the answer. Errors a user can cause
 * become one line starting with "error:", and the session goes on. The terminal side (jline, history,
 * completion) is {@link Terminal}; this class never touches a terminal, so scripts and tests drive it.
 */
public final class Repl {
    /** A command: its names, its usage line and its help text. */
    record Command(List<String> names, String usage, String help, Action action) {}

    interface Action {
        void run(String[] args);
    }

    private final Debugger dbg;
    private final PrintWriter out;
    private final Map<String, Command> commands = new LinkedHashMap<>();
    private boolean quit;

    public Repl(Debugger dbg, PrintWriter out) {
        this.dbg = dbg;
        this.out = out;
        define();
    }

    public boolean quitRequested() { return quit; }

    /** The command names (for completion). */
    public List<String> commandNames() {
        List<String> n = new ArrayList<>();
        for (Command c : new java.util.LinkedHashSet<>(commands.values())) n.addAll(c.names);
        return n;
    }

    public Debugger debugger() { return dbg; }

    /** Runs one command line; never throws for a user's mistake. */
    public void execute(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) return;
        String[] words = trimmed.split("\\s+");
        String name = words[0];
        String fmt = null;
        int slash = name.indexOf('/');
        if (slash > 0) {
            fmt = name.substring(slash + 1);
            name = name.substring(0, slash);
        }
        Command c = commands.get(name.toLowerCase());
        if (c == null) {
            out.println("error: unknown command '" + words[0] + "' (type 'help' for the list)");
            out.flush();
            return;
        }
        String[] args = Arrays.copyOfRange(words, 1, words.length);
        if (fmt != null) {
            String[] withFmt = new String[args.length + 1];
            withFmt[0] = "/" + fmt;
            System.arraycopy(args, 0, withFmt, 1, args.length);
            args = withFmt;
        }
        try {
            c.action.run(args);
        } catch (dev.lockstep.replayer.Divergence d) {
            out.println("error: " + d.getMessage());
            out.println("(the trace does not replay here; positions before instruction " + String.format("%,d", d.instret())
                    + " still work)");
        } catch (LockstepException e) {
            out.println("error: " + e.getMessage());
        } catch (RuntimeException e) {
            if (!e.getClass().getName().equals("dev.lockstep.traceformat.TraceFormatException")) throw e;
            out.println("error: " + e.getMessage());
        }
        out.flush();
    }

    private void def(String names, String usage, String help, Action a) {
        Command c = new Command(List.of(names.split(",")), usage, help, a);
        for (String n : c.names) commands.put(n, c);
    }

    private void define() {
        def("help,h,?", "help [COMMAND]", "List the commands, or explain one.", this::help);
        def("info", "info", "The trace, where you are, breakpoints, watchpoints, bookmarks and resume points.", a -> info());
        def("where,w", "where", "Instruction number, pc with symbol, privilege mode, the instruction, and the log entries around.",
                a -> where());
        def("seek", "seek N|+N|-N|start|end", "Go to instruction number N (the state after N instructions and the entries "
                + "stamped N), relative to here with + or -.", this::seek);
        def("step,s,stepi,si", "step [N]", "Execute N instructions (default 1).", a -> {
            dbg.step(count(a, 0));
            location();
        });
        def("rstep,rs,rstepi,rsi", "rstep [N]", "Go back N instructions (default 1).", a -> {
            dbg.rstep(count(a, 0));
            location();
        });
        def("next,n,nexti,ni", "next", "Step over a call (jal/jalr that links ra): stop when it returns.", a -> stop(dbg.next()));
        def("rnext,rn", "rnext", "Step back; if the previous instruction was the return of a call, back to the call.",
                a -> stop(dbg.rnext()));
        def("break,b", "break ADDR|SYMBOL [if COND]", "Stop before the instruction at a virtual address (e.g. main, "
                + "thread_main+82, 0x80000100); COND compares registers and numbers, e.g. 'if $sp == 0x80008cd0'.",
                this::breakCmd);
        def("watch", "watch [-p] ADDR [LEN] [if COND]", "Stop at writes to LEN bytes (default 8) at a virtual address (or "
                + "physical with -p), DMA included. Forward, the stop is after the write; backward, before it. COND compares "
                + "the value before and after the write: 'if new <= old' stops only where a counter fails to grow.",
                a -> watch(Machine.WatchKind.WRITE, a));
        def("rwatch", "rwatch [-p] ADDR [LEN] [if COND]", "Stop at reads of LEN bytes (default 8) at a virtual address (or "
                + "physical with -p) by the harts: loads, LR, the read of an AMO, FP loads (not a device's DMA, nor the "
                + "page-table walk). Forward, the stop is after the reading instruction; backward, before it. While one is set "
                + "every load takes the slow path, so runs are slower.", a -> watch(Machine.WatchKind.READ, a));
        def("awatch", "awatch [-p] ADDR [LEN] [if COND]", "Stop at reads and writes of LEN bytes (default 8) at an "
                + "address: rwatch and watch in one.", a -> watch(Machine.WatchKind.ACCESS, a));
        def("continue,c", "continue", "Run forward to the next breakpoint or watchpoint hit, or the end.", a -> stop(dbg.cont()));
        def("rcontinue,rc", "rcontinue", "Run backward to the previous breakpoint or watchpoint hit, or the start.",
                a -> stop(dbg.rcont()));
        def("delete,d", "delete [ID]", "Delete breakpoint or watchpoint ID, or all of them.", this::delete);
        def("hart,harts", "hart [ID|any]", "The harts (pc, mode, waiting, whose turn it is); with ID, show that hart's "
                + "registers, CSRs and memory from now on; 'any' follows the hart whose turn it is (the default).", this::hart);
        def("regs,r", "regs [f]", "The integer registers (and with 'f' the FP registers).", this::regs);
        def("csr", "csr [NAME|NUMBER ...]", "CSR values by name (mstatus, mepc, satp...) or number; without one, the main ones.",
                this::csr);
        def("x", "x/FMT ADDR [COUNT]", "Examine memory: FMT is [count][format][size], format x d u c s i, size b h w g "
                + "(e.g. x/4gx shared, x/s buf, x/3i $pc).", this::examine);
        def("disas,disassemble", "disas [ADDR] [N]", "Disassemble N instructions (default 10) from ADDR (default pc).", this::disas);
        def("events", "events [--from N] [--to N] [--type T[,T]]", "The trace's log entries (default: around here).", this::events);
        def("console", "console [--from N] [--to N]", "What the guest printed, each line with the instruction number of the "
                + "OUTPUT entry that logged it.", this::console);
        def("diff", "diff A B | diff --trace OTHER_TRACE", "Machine state at A and at B: registers, CSRs, changed memory, "
                + "devices. With --trace: the first instruction where this trace and another diverge.", this::diff);
        def("last-write,lw", "last-write ADDR [LEN]", "The instruction that last wrote LEN bytes (default 8) at ADDR before now; "
                + "you stay where you are.", this::lastWrite);
        def("bookmark,bm", "bookmark NAME", "Name this instruction number.", a -> {
            need(a, 1, "bookmark NAME");
            dbg.bookmark(a[0]);
            out.printf("bookmark %s = %,d%n", a[0], dbg.now());
        });
        def("goto", "goto NAME", "Go to a bookmark.", a -> {
            need(a, 1, "goto NAME");
            dbg.gotoBookmark(a[0]);
            location();
        });
        def("quit,q,exit", "quit", "Leave the debugger.", a -> quit = true);
    }

    // ---------------------------------------------------------------- output helpers

    private static void need(String[] a, int n, String usage) {
        if (a.length < n) throw new DebugException("usage: " + usage);
    }

    private static long number(String s) {
        String t = s.replace(",", "").replace("_", "");
        try {
            if (t.startsWith("0x")) return Long.parseUnsignedLong(t.substring(2), 16);
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new DebugException("'" + s + "' is not a number");
        }
    }

    private static long count(String[] a, int i) {
        if (a.length <= i) return 1;
        long n = number(a[i]);
        if (n < 0) throw new DebugException("a count cannot be negative: " + a[i]);
        return n;
    }

    /** A privilege mode's letter, as the REPL and gdb's thread list show it. */
    static String priv(int p) {
        return switch (p) {
            case 0 -> "U";
            case 1 -> "S";
            case 3 -> "M";
            default -> "?";
        };
    }

    /** {@code 0x80000abc <worker+68>: ld a0, 0(a2)} or a note if the pc is not readable. */
    public String instructionAt(long pc) { return instructionAt(dbg.hart(), pc); }

    private String instructionAt(Hart hart, long pc) {
        Insn in = dbg.insnAt(hart, pc);
        String sym = dbg.symbols().describe(pc);
        return String.format("0x%x%s: %s", pc, sym.isEmpty() ? "" : " " + sym, in == null ? "(not readable)" : Disassembler.format(in, pc));
    }

    private void location() {
        out.printf("[%,d] %s  %s%n", dbg.now(), priv(dbg.hart().priv()), instructionAt(dbg.hart().pc()));
    }

    private void stop(Debugger.Stop s) {
        switch (s.reason()) {
            case BREAKPOINT -> out.printf("breakpoint %d%n", s.id());
            case WATCHPOINT -> {
                Debugger.Watchpoint w = dbg.watchpoints().stream().filter(x -> x.id() == s.id()).findFirst().orElse(null);
                out.printf("watchpoint %d (%s): %d-byte %s 0x%x by the instruction at [%,d] %s%n", s.id(),
                        w == null ? "" : w.label(), s.writeSize(), s.read() ? "read of" : "write to", s.writePa(),
                        s.writerInstret(), instructionAt(s.writerPc()));
                String where = s.instret() == s.writerInstret() ? "; you are before the " + (s.read() ? "read" : "write") : "";
                if (s.read()) out.printf("  value 0x%x (%d)%s%n", s.newValue(), s.newValue(), where);
                else out.printf("  old value 0x%x (%d), new value 0x%x (%d)%s%n", s.oldValue(), s.oldValue(), s.newValue(), s.newValue(), where);
            }
            case END -> out.printf("end of the recording%s%n", dbg.replayer().end() != null
                    ? " (" + dbg.replayer().end().reason() + ", exit code " + dbg.replayer().end().exitCode() + ")" : "");
            case START -> out.println("start of the recording: no earlier stop");
            default -> { }
        }
        location();
    }

    // ---------------------------------------------------------------- commands

    private void help(String[] a) {
        if (a.length > 0) {
            Command c = commands.get(a[0].toLowerCase());
            if (c == null) throw new DebugException("no command '" + a[0] + "'");
            out.println("usage: " + c.usage);
            out.println("  " + c.help);
            if (c.names.size() > 1) out.println("  also: " + String.join(", ", c.names.subList(1, c.names.size())));
            return;
        }
        out.println("commands (help COMMAND for more):");
        for (Command c : new java.util.LinkedHashSet<>(commands.values())) out.printf("  %-42s %s%n", c.usage, firstSentence(c.help));
        out.println("Addresses: numbers (0x hex), symbols, symbol+offset, registers ($sp). Instruction numbers may use , or _.");
    }

    private static String firstSentence(String s) {
        int i = s.indexOf(". ");
        return i < 0 ? s : s.substring(0, i + 1);
    }

    private void info() {
        out.printf("trace: %s%n", dbg.directory());
        out.printf("instructions: %,d (%s)%n", dbg.end(), dbg.replayer().trace().end()
                .map(e -> "ended: " + e.reason() + ", exit code " + e.exitCode()).orElse("cut off, no END entry"));
        if (dbg.start() > 0) out.printf("starts at: %,d (the trace of a backup that joined there: nothing before it)%n", dbg.start());
        out.printf("position: %,d%n", dbg.now());
        for (Debugger.Breakpoint b : dbg.breakpoints()) {
            out.printf("breakpoint %d at 0x%x %s%s%n", b.id(), b.pc(), b.label(), b.condition() == null ? "" : " if " + b.condition());
        }
        for (Debugger.Watchpoint w : dbg.watchpoints()) {
            out.printf("watchpoint %d on %d bytes at pa 0x%x (%s)%s%s%n", w.id(), w.len(), w.pa(), w.label(),
                    w.condition() == null ? "" : " if " + w.condition(), kindNote(w.kind()));
        }
        dbg.bookmarks().forEach((k, v) -> out.printf("bookmark %s = %,d%n", k, v));
        out.printf("resume points: %d in memory (%,d bytes), %d checkpoints in the trace%n", dbg.timeTravel().points(),
                dbg.timeTravel().residentBytes(), dbg.replayer().trace().checkpoints().list().size());
    }

    private void where() {
        Hart h = dbg.hart();
        out.printf("instruction %,d of %,d%n", dbg.now(), dbg.end());
        out.printf("pc %s%n", instructionAt(h.pc()));
        out.printf("mode %s%s%n", priv(h.priv()), h.waiting() ? " (waiting for an interrupt)" : "");
        int harts = dbg.machine().harts().size();
        if (harts > 1) {
            out.printf("hart %d of %d%s%n", h.id, harts, h == dbg.running() ? ", which has the turn" : ", shown; hart "
                    + dbg.running().id + " has the turn");
        }
        LogEntry prev = null, next = null;
        try (EntryCursor c = dbg.replayer().trace().firstEntryAtOrAfter(Math.max(0, dbg.now() - 1_000_000_000L))) {
            // Entries are sparse in most traces; a scan back a bounded distance finds the previous one.
            while (c.hasNext()) {
                LogEntry e = c.next();
                if (e.instret() <= dbg.now()) prev = e;
                else {
                    next = e;
                    break;
                }
            }
        }
        out.println("previous entry: " + (prev == null ? "none" : EventsCommand.text(prev).strip()));
        out.println("next entry:     " + (next == null ? "none" : EventsCommand.text(next).strip()));
    }

    private void seek(String[] a) {
        need(a, 1, "seek N|+N|-N|start|end");
        String s = a[0];
        long target;
        if (s.equals("end")) target = dbg.end();
        else if (s.equals("start")) target = 0;
        else if (s.startsWith("+")) target = dbg.now() + number(s.substring(1));
        else if (s.startsWith("-")) target = dbg.now() - number(s.substring(1));
        else target = number(s);
        dbg.seek(target);
        location();
    }

    private void breakCmd(String[] a) {
        Debugger.Condition cond = null;
        int ifAt = Arrays.asList(a).indexOf("if");
        if (ifAt >= 0) {
            cond = Debugger.Condition.parse(String.join(" ", Arrays.copyOfRange(a, ifAt + 1, a.length)), dbg.symbols());
            a = Arrays.copyOfRange(a, 0, ifAt);
        }
        need(a, 1, "break ADDR|SYMBOL [if COND]");
        String expr = String.join(" ", a);
        long pc = dbg.symbols().parse(expr);
        Debugger.Breakpoint b = dbg.addBreakpoint(pc, expr, cond);
        out.printf("breakpoint %d at %s%s%n", b.id(), instructionAt(pc), cond == null ? "" : " if " + cond);
    }

    /** How a watchpoint's line says what it watches: writes go unsaid, as they always have. */
    private static String kindNote(Machine.WatchKind kind) {
        return switch (kind) {
            case WRITE -> "";
            case READ -> ", on reads";
            case ACCESS -> ", on reads and writes";
        };
    }

    private void watch(Machine.WatchKind kind, String[] a) {
        String name = switch (kind) {
            case WRITE -> "watch";
            case READ -> "rwatch";
            case ACCESS -> "awatch";
        };
        boolean physical = a.length > 0 && a[0].equals("-p");
        String[] r = physical ? Arrays.copyOfRange(a, 1, a.length) : a;
        Debugger.Condition cond = null;
        int ifAt = Arrays.asList(r).indexOf("if");
        if (ifAt >= 0) {
            cond = Debugger.Condition.parse(String.join(" ", Arrays.copyOfRange(r, ifAt + 1, r.length)), dbg.symbols());
            r = Arrays.copyOfRange(r, 0, ifAt);
        }
        need(r, 1, name + " [-p] ADDR [LEN] [if COND]");
        long addr = dbg.symbols().parse(r[0]);
        long len = r.length > 1 ? number(r[1]) : 8;
        long pa = physical ? addr : dbg.memory().translate(addr);
        if (pa == -1) {
            throw new DebugException(String.format("virtual address 0x%x is not mapped now (use %s -p for a physical one)", addr, name));
        }
        Debugger.Watchpoint w = dbg.addWatchpoint(pa, len, r[0], cond, kind);
        out.printf("watchpoint %d on %d bytes at %s0x%x %s%s%s%s%n", w.id(), len, physical ? "pa " : "", addr,
                dbg.symbols().describe(addr), !physical && pa != addr ? String.format(" (pa 0x%x)", pa) : "",
                cond == null ? "" : " if " + cond, kindNote(kind));
    }

    private void delete(String[] a) {
        if (a.length == 0) {
            dbg.deleteAll();
            out.println("deleted all breakpoints and watchpoints");
            return;
        }
        for (String s : a) {
            int id = (int) number(s);
            if (!dbg.delete(id)) throw new DebugException("no breakpoint or watchpoint " + s);
            out.println("deleted " + id);
        }
    }

    private void regs(String[] a) {
        Hart h = dbg.hart();
        out.printf("pc   0x%016x %s   mode %s   instret %,d%n", h.pc(), dbg.symbols().describe(h.pc()), priv(h.priv()), dbg.now());
        for (int i = 0; i < 32; i++) {
            out.printf("%-4s 0x%016x%s", Disassembler.xName(i), h.x(i), i % 4 == 3 ? "\n" : "  ");
        }
        if (a.length > 0 && (a[0].equals("f") || a[0].equals("all"))) {
            for (int i = 0; i < 32; i++) {
                out.printf("%-4s 0x%016x%s", Disassembler.fName(i), h.f(i), i % 4 == 3 ? "\n" : "  ");
            }
        }
    }

    private void hart(String[] a) {
        if (a.length > 0) dbg.focus(a[0].equals("any") ? -1 : (int) number(a[0]));
        for (Hart h : dbg.machine().harts()) {
            out.printf("%s hart %d  pc %s  mode %s%s%s%n", h == dbg.hart() ? "*" : " ", h.id, instructionAt(h, h.pc()), priv(h.priv()),
                    h.waiting() ? ", waiting for an interrupt" : "", h == dbg.running() ? ", has the turn" : "");
        }
    }

    private static final String[] MAIN_CSRS = {"mstatus", "misa", "mtvec", "mepc", "mcause", "mtval", "mie", "mip", "mscratch",
            "medeleg", "mideleg", "satp", "sstatus", "stvec", "sepc", "scause", "stval", "sscratch", "fcsr"};

    private void csr(String[] a) {
        String[] names = a.length == 0 ? MAIN_CSRS : a;
        for (String n : names) {
            int num = CsrNames.number(n);
            if (num < 0) {
                try {
                    num = (int) number(n);
                } catch (DebugException e) {
                    throw new DebugException("unknown CSR '" + n + "'");
                }
                if (num < 0 || num > 0xfff) throw new DebugException("CSR number " + n + " is not in 0..0xfff");
            }
            out.printf("%-10s 0x%016x%n", CsrNames.name(num), dbg.hart().readCsr(num));
        }
    }

    private void examine(String[] a) {
        String fmt = a.length > 0 && a[0].startsWith("/") ? a[0].substring(1) : "";
        String[] r = a.length > 0 && a[0].startsWith("/") ? Arrays.copyOfRange(a, 1, a.length) : a;
        need(r, 1, "x/FMT ADDR [COUNT]");
        int i = 0;
        while (i < fmt.length() && Character.isDigit(fmt.charAt(i))) i++;
        long n = i > 0 ? Long.parseLong(fmt.substring(0, i)) : 1;
        char f = 'x';
        int size = 8;
        for (char c : fmt.substring(i).toCharArray()) {
            switch (c) {
                case 'x', 'd', 'u', 'c', 's', 'i' -> f = c;
                case 'b' -> size = 1;
                case 'h' -> size = 2;
                case 'w' -> size = 4;
                case 'g' -> size = 8;
                default -> throw new DebugException("unknown format letter '" + c + "' in x/" + fmt + " (formats x d u c s i, sizes b h w g)");
            }
        }
        if (f == 'c') size = 1;
        if (r.length > 1) n = number(r[1]);
        if (n <= 0 || n > 4096) throw new DebugException("count " + n + " is not between 1 and 4096");
        long addr = dbg.symbols().parse(r[0]);
        if (f == 'i') {
            disasFrom(addr, (int) n);
            return;
        }
        if (f == 's') {
            for (int k = 0; k < n; k++) {
                StringBuilder sb = new StringBuilder();
                long p = addr;
                while (sb.length() < 4096) {
                    byte[] b = dbg.memory().read(p, 1);
                    if (b == null) throw new DebugException(String.format("cannot read 0x%x: not mapped or not memory", p));
                    p++;
                    if (b[0] == 0) break;
                    sb.append(escape(b[0]));
                }
                out.printf("0x%x %s: \"%s\"%n", addr, dbg.symbols().describe(addr), sb);
                addr = p;
            }
            return;
        }
        int perLine = Math.max(1, 16 / size);
        for (long k = 0; k < n; k += perLine) {
            long at = addr + k * size;
            String sym = dbg.symbols().describe(at);
            StringBuilder line = new StringBuilder(String.format("0x%x%s:", at, sym.isEmpty() ? "" : " " + sym));
            for (long j = k; j < Math.min(n, k + perLine); j++) {
                long va = addr + j * size;
                byte[] b = dbg.memory().read(va, size);
                if (b == null) {
                    line.append(" ??");
                    continue;
                }
                long v = 0;
                for (int q = size - 1; q >= 0; q--) v = (v << 8) | (b[q] & 0xff);
                line.append(' ').append(switch (f) {
                    case 'd' -> Long.toString(size == 8 ? v : (v << (64 - 8 * size)) >> (64 - 8 * size));
                    case 'u' -> Long.toUnsignedString(v);
                    case 'c' -> "'" + escape(b[0]) + "'";
                    default -> String.format("0x%0" + (2 * size) + "x", v);
                });
            }
            out.println(line);
        }
    }

    private static String escape(byte b) {
        int c = b & 0xff;
        if (c == '\n') return "\\n";
        if (c == '\r') return "\\r";
        if (c == '\t') return "\\t";
        if (c == '"' || c == '\\' || c == '\'') return "\\" + (char) c;
        if (c < 32 || c > 126) return String.format("\\x%02x", c);
        return String.valueOf((char) c);
    }

    private void disas(String[] a) {
        long addr = a.length > 0 ? dbg.symbols().parse(a[0]) : dbg.hart().pc();
        long n = a.length > 1 ? number(a[1]) : 10;
        if (n <= 0 || n > 4096) throw new DebugException("count " + n + " is not between 1 and 4096");
        disasFrom(addr, (int) n);
    }

    private void disasFrom(long addr, int n) {
        long pc = addr;
        for (int k = 0; k < n; k++) {
            Insn in = dbg.insnAt(pc);
            String sym = dbg.symbols().describe(pc);
            out.printf("%s 0x%x%s: %s%n", pc == dbg.hart().pc() ? "=>" : "  ", pc, sym.isEmpty() ? "" : " " + sym,
                    in == null ? "(not readable)" : Disassembler.format(in, pc));
            if (in == null) break;
            pc += in.len;
        }
    }

    /** Parses --from/--to/--type options; returns {from, to} and fills {@code types}. */
    private long[] range(String[] a, java.util.Set<EntryType> types, long defFrom, long defTo) {
        long from = defFrom, to = defTo;
        for (int i = 0; i < a.length; i++) {
            String opt = a[i];
            if (i + 1 >= a.length) throw new DebugException("option " + opt + " needs a value");
            String v = a[++i];
            switch (opt) {
                case "--from" -> from = number(v);
                case "--to" -> to = number(v);
                case "--type" -> {
                    if (types == null) throw new DebugException("unknown option --type here");
                    for (String t : v.split(",")) {
                        try {
                            types.add(EntryType.valueOf(t.trim().toUpperCase().replace('-', '_')));
                        } catch (IllegalArgumentException e) {
                            throw new DebugException("unknown entry type '" + t + "' (types: " + Arrays.toString(EntryType.values()) + ")");
                        }
                    }
                }
                default -> throw new DebugException("unknown option '" + opt + "'");
            }
        }
        return new long[] {from, to};
    }

    private void events(String[] a) {
        java.util.Set<EntryType> types = java.util.EnumSet.noneOf(EntryType.class);
        long[] r = range(a, types, 0, Long.MAX_VALUE);
        int shown = 0;
        boolean marked = false;
        try (EntryCursor c = dbg.replayer().trace().firstEntryAtOrAfter(r[0])) {
            while (c.hasNext()) {
                LogEntry e = c.next();
                if (e.instret() > r[1]) break;
                if (!types.isEmpty() && !types.contains(e.type())) continue;
                if (shown++ == 1000) {
                    out.println("... (more; narrow with --from/--to/--type)");
                    break;
                }
                if (!marked && e.instret() > dbg.now()) {
                    out.printf("%15s  (you are at %,d)%n", "-->", dbg.now());
                    marked = true;
                }
                out.println(EventsCommand.text(e));
            }
        }
        if (shown == 0) out.println("no entries in that range");
    }

    private void console(String[] a) {
        long[] r = range(a, null, 0, Long.MAX_VALUE);
        boolean any = false;
        try (EntryCursor c = dbg.replayer().trace().firstEntryAtOrAfter(r[0])) {
            while (c.hasNext()) {
                LogEntry e = c.next();
                if (e.instret() > r[1]) break;
                if (!(e instanceof LogEntry.Output o) || o.kind() != OutputKind.CONSOLE) continue;
                any = true;
                if (o.bytes() == null) {
                    out.printf("[%,13d] (%d bytes; the trace keeps only their hash)%n", o.instret(), o.length());
                    continue;
                }
                String text = new String(o.bytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
                for (String line : text.split("\n", -1)) {
                    if (line.isEmpty()) continue;
                    out.printf("[%,13d] %s%n", o.instret(), line.replace("\r", ""));
                }
            }
        }
        if (!any) out.println("no console output in that range");
    }

    private void diff(String[] a) {
        if (a.length >= 1 && a[0].equals("--trace")) {
            need(a, 2, "diff --trace OTHER_TRACE");
            TraceDiff.Result res = TraceDiff.run(dbg.directory(), Path.of(a[1]), null);
            TraceDiff.print(res, out);
            return;
        }
        need(a, 2, "diff A B");
        long x = a[0].equals("here") ? dbg.now() : number(a[0]), y = a[1].equals("here") ? dbg.now() : number(a[1]);
        long here = dbg.now();
        StateDiff.State sa, sb;
        try {
            dbg.seek(x);
            sa = StateDiff.capture(dbg.machine());
            dbg.seek(y);
            sb = StateDiff.capture(dbg.machine());
        } finally {
            dbg.timeTravel().seek(here);
        }
        StateDiff.print(sa, sb, dbg.symbols(), out);
    }

    private void lastWrite(String[] a) {
        need(a, 1, "last-write ADDR [LEN]");
        long va = dbg.symbols().parse(a[0]);
        long len = a.length > 1 ? number(a[1]) : 8;
        long pa = dbg.memory().translate(va);
        if (pa == -1) throw new DebugException(String.format("virtual address 0x%x is not mapped now", va));
        Debugger.Stop s = dbg.lastWrite(pa, len);
        if (s.reason() != Debugger.Reason.WATCHPOINT) {
            out.printf("no write to %s (%d bytes at pa 0x%x) before instruction %,d%n", a[0], len, pa, dbg.now());
            return;
        }
        out.printf("last write to %s before [%,d]: %d bytes at 0x%x by the instruction at [%,d] %s%n", a[0], dbg.now(),
                s.writeSize(), s.writePa(), s.writerInstret(), instructionAt(s.writerPc()));
        out.printf("  old value 0x%x (%d), new value 0x%x (%d)%n", s.oldValue(), s.oldValue(), s.newValue(), s.newValue());
    }
}
