// The time-travel debugger's engine: a replayed trace, its breakpoints, watchpoints and bookmarks, and the searches over time.
package dev.lockstep.shell.debug;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.cpu.Hart;
import dev.lockstep.emulator.isa.Decoder;
import dev.lockstep.emulator.isa.Insn;
import dev.lockstep.emulator.isa.Op;
import dev.lockstep.replayer.Replayer;
import dev.lockstep.replayer.TimeTravel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the REPL and the gdb stub do to a trace, without any printing. Positions are instruction
 * numbers: the state "at N" is after N instructions retired and after the log entries stamped N were
 * applied. Reverse execution is seeking (DESIGN §8): a reverse step seeks to N-1; a reverse continue
 * replays each interval between resume points, latest first, and keeps the last stop found in it.
 */
public final class Debugger implements AutoCloseable {
    /** A code breakpoint at a virtual pc. */
    public record Breakpoint(int id, long pc, String label, Condition condition) {}

    /**
     * A watchpoint on physical RAM [pa, pa+len), on writes, reads or both; {@code label} is how the user
     * named it. With a condition it stops only at accesses whose old and new values (the first 8 bytes)
     * satisfy it (a read leaves them equal).
     */
    public record Watchpoint(int id, long pa, long len, String label, Condition condition, Machine.WatchKind kind) {
        public Watchpoint(int id, long pa, long len, String label, Condition condition) {
            this(id, pa, len, label, condition, Machine.WatchKind.WRITE);
        }
    }

    /**
     * {@code new <= old}, {@code $sp == 0x80008cd0}, {@code a0 != 0}: compares a watched value before and
     * after a write (old, new), registers ($sp or sp, pc, CSRs by name) and numbers.
     */
    public record Condition(String left, String op, String right) {
        private static final java.util.List<String> OPS = java.util.List.of("<=", ">=", "==", "!=", "<", ">");

        /** Parses "new <= old" and the like; {@code symbols} checks that register operands exist. */
        public static Condition parse(String text, Symbols symbols) {
            String t = text.replace(" ", "");
            for (String op : OPS) {
                int i = t.indexOf(op);
                if (i > 0) {
                    Condition c = new Condition(t.substring(0, i), op, t.substring(i + op.length()));
                    c.operand(c.left, symbols, 0, 0);
                    c.operand(c.right, symbols, 0, 0);
                    return c;
                }
            }
            throw new DebugException("malformed condition '" + text + "': expected e.g. 'new <= old' or '$sp == 0x80008cd0'");
        }

        private long operand(String s, Symbols symbols, long old, long now) {
            if (s.equals("old")) return old;
            if (s.equals("new")) return now;
            if (!s.isEmpty() && !Character.isDigit(s.charAt(0))) {
                Long r = symbols.register(s.startsWith("$") ? s.substring(1) : s);
                if (r == null) throw new DebugException("malformed condition operand '" + s + "': use old, new, a register or a number");
                return r;
            }
            try {
                return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new DebugException("malformed condition operand '" + s + "': use old, new, a register or a number");
            }
        }

        public boolean test(Symbols symbols, long old, long now) {
            long a = operand(left, symbols, old, now), b = operand(right, symbols, old, now);
            return switch (op) {
                case "<=" -> Long.compareUnsigned(a, b) <= 0;
                case ">=" -> Long.compareUnsigned(a, b) >= 0;
                case "<" -> Long.compareUnsigned(a, b) < 0;
                case ">" -> Long.compareUnsigned(a, b) > 0;
                case "==" -> a == b;
                default -> a != b;
            };
        }

        @Override
        public String toString() { return left + " " + op + " " + right; }
    }

    /** Why a run or a search stopped. */
    public enum Reason { BREAKPOINT, WATCHPOINT, STEP, END, START, NOT_FOUND }

    /**
     * Where a run or search stopped: the reason, the breakpoint or watchpoint id (0 for none), and for a
     * watchpoint the access (physical address, size, the accessing instruction's pc), the position before
     * that instruction, and whether it was a read.
     */
    public record Stop(Reason reason, long instret, int id, long writePa, int writeSize, long writerPc, long writerInstret,
                       long oldValue, long newValue, boolean read) {
        static Stop of(Reason r, long instret) { return new Stop(r, instret, 0, 0, 0, 0, -1, 0, 0, false); }

        static Stop breakpoint(long instret, int id) { return new Stop(Reason.BREAKPOINT, instret, id, 0, 0, 0, -1, 0, 0, false); }
    }

    private final Path dir;
    private final TimeTravel tt;
    private final Symbols symbols;
    private final TreeMap<Integer, Breakpoint> breakpoints = new TreeMap<>();
    private final TreeMap<Integer, Watchpoint> watchpoints = new TreeMap<>();
    private final Map<String, Long> bookmarks = new TreeMap<>();
    private int nextId = 1;
    private Stop lastStop;

    private Debugger(Path dir, TimeTravel tt) {
        this.dir = dir;
        this.tt = tt;
        this.symbols = new Symbols(tt.machine());
    }

    /** Opens the trace in {@code dir} at instruction 0. */
    public static Debugger open(Path dir) { return new Debugger(dir, TimeTravel.open(dir)); }

    public Path directory() { return dir; }
    public TimeTravel timeTravel() { return tt; }
    public Machine machine() { return tt.machine(); }
    /**
     * The hart the debugger shows (registers, CSRs, memory through its page tables): the one chosen with
     * {@link #focus}, else the one whose turn it is. Stepping and stops follow the harts' turns regardless.
     */
    public Hart hart() { return focus >= 0 ? tt.machine().harts().get(focus) : running(); }

    /** The hart whose turn it is: the one that executes the next instruction (or hit the breakpoint). */
    public Hart running() { return tt.machine().hart(); }

    /** Shows hart {@code id} from now on, or (with -1) whichever hart's turn it is. */
    public void focus(int id) {
        if (id < -1 || id >= tt.machine().harts().size()) {
            throw new DebugException("no hart " + id + ": this machine has harts 0 to " + (tt.machine().harts().size() - 1));
        }
        focus = id;
    }

    private int focus = -1;
    public Symbols symbols() { return symbols; }
    public long now() { return tt.now(); }
    /** The recording's first instruction number (0 but for a joined backup's trace). */
    public long start() { return tt.start(); }
    public long end() { return tt.end(); }
    public Replayer replayer() { return tt.replayer(); }
    /** The stop that brought the debugger here, or null after a plain seek. */
    public Stop lastStop() { return lastStop; }

    // ---------------------------------------------------------------- moving

    /** Seeks to {@code n}; past the recording is an error rather than a silent clamp. */
    public void seek(long n) {
        if (n < 0) throw new DebugException("instruction " + n + " is before the start of the recording (0)");
        if (n > end()) throw new DebugException(String.format("instruction %,d is past the end of the recording (%,d)", n, end()));
        lastStop = null;
        tt.seek(n);
    }

    public void step(long n) { seek(Math.min(end(), now() + n)); }

    public void rstep(long n) { seek(Math.max(0, now() - n)); }

    /** Runs forward to the next breakpoint or watchpoint hit, or the end. */
    public Stop cont() { return lastStop = forward(pcs(), ranges(), this::userBreakpoint, end()); }

    /** Goes back to the latest breakpoint or watchpoint hit before now, or to 0. */
    public Stop rcont() { return lastStop = backward(pcs(), ranges(), this::userBreakpoint); }

    /** Decides whether the machine, stopped at a breakpoint address at instruction {@code at}, makes a stop. */
    private interface BreakFilter {
        Stop at(long at);
    }

    private Stop userBreakpoint(long at) {
        int id = breakpointId(running().pc());
        return id > 0 ? Stop.breakpoint(at, id) : null;
    }

    /** Steps over a call (a jal/jalr linking ra or t0) with a breakpoint at its return address; otherwise one step. */
    public Stop next() {
        Insn in = insnAt(running(), running().pc());
        if (in == null || !isCall(in)) {
            step(1);
            return lastStop = Stop.of(Reason.STEP, now());
        }
        long ret = running().pc() + in.len, sp = running().x(2);
        Set<Long> pcs = pcs();
        pcs.add(ret);
        Stop s = forward(pcs, ranges(), at -> {
            int id = breakpointId(running().pc());
            if (id > 0) return Stop.breakpoint(at, id);
            return running().pc() == ret && Long.compareUnsigned(running().x(2), sp) >= 0 ? Stop.breakpoint(at, 0) : null;
        }, end());
        return lastStop = s.reason == Reason.BREAKPOINT && s.id == 0 ? Stop.of(Reason.STEP, s.instret) : s;
    }

    /** Steps back over a call just returned from, to its call instruction; otherwise one step back. */
    public Stop rnext() {
        long pc = running().pc(), sp = running().x(2);
        if (now() == tt.start()) return lastStop = Stop.of(Reason.START, now());
        long call = callBefore(pc);
        rstep(1);
        if (call < 0 || running().pc() == call || running().pc() + lengthAt(running().pc()) == pc) {
            return lastStop = Stop.of(Reason.STEP, now());
        }
        Set<Long> pcs = pcs();
        pcs.add(call);
        Stop s = backward(pcs, ranges(), at -> {
            int id = breakpointId(running().pc());
            if (id > 0) return Stop.breakpoint(at, id);
            return running().pc() == call && running().x(2) == sp ? Stop.breakpoint(at, 0) : null;
        });
        return lastStop = s.reason == Reason.BREAKPOINT && s.id == 0 ? Stop.of(Reason.STEP, s.instret) : s;
    }

    /**
     * The last write to [pa, pa+len) before now: the stop is placed before the writing instruction, which
     * it names. The position does not change.
     */
    public Stop lastWrite(long pa, long len) {
        checkRam(pa, len);
        long here = now();
        Stop s = backward(Set.of(), List.of(new Watchpoint(0, pa, len, "", null)), at -> null);
        tt.seek(here);
        return s;
    }

    public void bookmark(String name) { bookmarks.put(name, now()); }

    public Map<String, Long> bookmarks() { return bookmarks; }

    public void gotoBookmark(String name) {
        Long n = bookmarks.get(name);
        if (n == null) throw new DebugException("no bookmark named '" + name + "'" + (bookmarks.isEmpty() ? "" : " (bookmarks: " + String.join(", ", bookmarks.keySet()) + ")"));
        seek(n);
    }

    // ---------------------------------------------------------------- breakpoints and watchpoints

    public Breakpoint addBreakpoint(long pc, String label, Condition condition) {
        Breakpoint b = new Breakpoint(nextId++, pc, label, condition);
        breakpoints.put(b.id, b);
        return b;
    }

    public Watchpoint addWatchpoint(long pa, long len, String label, Condition condition) {
        return addWatchpoint(pa, len, label, condition, Machine.WatchKind.WRITE);
    }

    /** A watchpoint on writes, reads (loads, LR, AMOs; not DMA) or both to physical RAM [pa, pa+len). */
    public Watchpoint addWatchpoint(long pa, long len, String label, Condition condition, Machine.WatchKind kind) {
        checkRam(pa, len);
        Watchpoint w = new Watchpoint(nextId++, pa, len, label, condition, kind);
        watchpoints.put(w.id, w);
        return w;
    }

    public List<Breakpoint> breakpoints() { return new ArrayList<>(breakpoints.values()); }
    public List<Watchpoint> watchpoints() { return new ArrayList<>(watchpoints.values()); }

    /** Deletes breakpoint or watchpoint {@code id}; false if there is none. */
    public boolean delete(int id) { return breakpoints.remove(id) != null | watchpoints.remove(id) != null; }

    public void deleteAll() {
        breakpoints.clear();
        watchpoints.clear();
    }

    /** Removes the breakpoint at {@code pc} (gdb's z0); false if there was none. */
    public boolean deleteBreakpointAt(long pc) { return breakpoints.values().removeIf(b -> b.pc == pc); }

    /** Removes the watchpoints on exactly [pa, pa+len) (gdb's z2). */
    public boolean deleteWatchpoint(long pa, long len) { return watchpoints.values().removeIf(w -> w.pa == pa && w.len == len); }

    private Set<Long> pcs() {
        Set<Long> s = new HashSet<>();
        for (Breakpoint b : breakpoints.values()) s.add(b.pc);
        return s;
    }

    private List<Watchpoint> ranges() { return new ArrayList<>(watchpoints.values()); }

    private void checkRam(long pa, long len) {
        if (len <= 0 || len > (1L << 30)) throw new DebugException("watch length " + len + " is not between 1 and 1 GiB");
        if (!machine().bus().isRam(pa, (int) len)) {
            throw new DebugException(String.format("0x%x..0x%x is not RAM: watchpoints watch RAM (0x%x..0x%x)", pa, pa + len,
                    machine().bus().ramBase, machine().bus().ramBase + machine().bus().ramSize));
        }
    }

    // ---------------------------------------------------------------- runs with stops

    /** Sets the machine's stops and returns each watchpoint's value now, to compare the next write with. */
    private Map<Watchpoint, Long> arm(Set<Long> pcs, List<Watchpoint> ranges) {
        machine().setBreakpoints(pcs);
        machine().clearWatchpoints();
        Map<Watchpoint, Long> values = new java.util.IdentityHashMap<>();
        for (Watchpoint w : ranges) {
            machine().addWatchpoint(w.pa, w.len, w.kind);
            values.put(w, value(w));
        }
        return values;
    }

    /** The first (up to 8) watched bytes as a little-endian number. */
    public long value(Watchpoint w) {
        byte[] b = new byte[(int) Math.min(8, w.len)];
        machine().bus().readBytes(w.pa, b, 0, b.length);
        long v = 0;
        for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    /**
     * The stop an access makes, or null if every watchpoint it touches has a condition that rejects it.
     * {@code values} holds each watchpoint's value before a write and is updated.
     */
    private Stop watchStop(Machine.WatchHit h, List<Watchpoint> ranges, Map<Watchpoint, Long> values, long position) {
        Stop stop = null;
        for (Watchpoint w : ranges) {
            if (h.pa() >= w.pa + w.len || h.pa() + h.size() <= w.pa) continue;
            if (h.read() ? !w.kind.reads() : !w.kind.writes()) continue;
            long old = values.get(w), now = value(w);
            values.put(w, now);
            if (stop == null && (w.condition == null || w.condition.test(symbols, old, now))) {
                stop = new Stop(Reason.WATCHPOINT, position, w.id, h.pa(), h.size(), h.pc(), h.instret() - 1, old, now, h.read());
            }
        }
        return stop;
    }

    private void disarm() {
        machine().setBreakpoints(Set.of());
        machine().clearWatchpoints();
    }

    /** The id of the user breakpoint at {@code pc} whose condition holds now, or 0. */
    private int breakpointId(long pc) {
        for (Breakpoint b : breakpoints.values()) {
            if (b.pc == pc && (b.condition == null || b.condition.test(symbols, 0, 0))) return b.id;
        }
        return 0;
    }

    /**
     * Replays forward until a watchpoint hit or a breakpoint stop that {@code accept} makes, or {@code limit}.
     * A watchpoint stop is after the accessing instruction, with the entries of that instruction number applied.
     */
    private Stop forward(Set<Long> pcs, List<Watchpoint> ranges, BreakFilter accept, long limit) {
        if (now() >= limit) return Stop.of(Reason.END, now());
        Map<Watchpoint, Long> values = arm(pcs, ranges);
        try {
            if (pcs.contains(running().pc())) running().resumeFromBreakpoint();
            while (true) {
                Replayer.Stop s = tt.run(limit);
                if (s == Replayer.Stop.BREAKPOINT) {
                    Stop b = accept.at(now());
                    if (b != null) return b;
                    running().resumeFromBreakpoint();
                } else if (s == Replayer.Stop.WATCHPOINT) {
                    Machine.WatchHit h = machine().watchHit();
                    Stop w = watchStop(h, ranges, values, h.instret());
                    if (w != null) {
                        disarm();
                        // A read stopped before its instruction: run it. Either way, apply the entries stamped
                        // with its number, as at any other position.
                        tt.run(h.instret());
                        return w;
                    }
                } else {
                    return Stop.of(now() >= end() ? Reason.END : Reason.STEP, now());
                }
            }
        } finally {
            disarm();
        }
    }

    /**
     * The latest watchpoint hit or breakpoint stop that {@code accept} makes before now: replays the interval between each resume point
     * and the one after it, latest first, collecting stops, and seeks to the last one found. A watchpoint
     * hit is placed before the accessing instruction (as gdb's reverse execution has it). If none is found
     * the debugger ends at instruction 0.
     */
    private Stop backward(Set<Long> pcs, List<Watchpoint> ranges, BreakFilter accept) {
        long upper = now();
        for (long start : tt.restorePointsBelow(upper)) {
            tt.seek(start);
            Stop found = null;
            Map<Watchpoint, Long> values = arm(pcs, ranges);
            try {
                while (true) {
                    Replayer.Stop s = tt.run(upper);
                    if (s == Replayer.Stop.BREAKPOINT) {
                        Stop b = now() < upper ? accept.at(now()) : null;
                        if (b != null) found = b;
                        running().resumeFromBreakpoint();
                    } else if (s == Replayer.Stop.WATCHPOINT) {
                        long before = machine().watchHit().instret() - 1;
                        Stop w = watchStop(machine().watchHit(), ranges, values, before);
                        if (w != null && before < upper) found = w;
                    } else {
                        break;
                    }
                }
            } finally {
                disarm();
            }
            if (found != null) {
                tt.seek(found.instret);
                return found;
            }
            upper = start;
        }
        tt.seek(tt.start());
        return Stop.of(Reason.START, now());
    }

    // ---------------------------------------------------------------- instructions and memory

    /** The instruction at virtual {@code pc} as the shown hart sees it, or null if it cannot be read. */
    public Insn insnAt(long pc) { return insnAt(memory(), pc); }

    /** The instruction at virtual {@code pc} as {@code hart} sees it, or null if it cannot be read. */
    public Insn insnAt(Hart hart, long pc) { return insnAt(new Memory(machine(), () -> hart), pc); }

    private static Insn insnAt(Memory memory, long pc) {
        byte[] lo = memory.read(pc, 2);
        if (lo == null) return null;
        int low = (lo[0] & 0xff) | (lo[1] & 0xff) << 8;
        if (Decoder.length(low) == 2) return Decoder.decode(low);
        byte[] hi = memory.read(pc + 2, 2);
        if (hi == null) return null;
        return Decoder.decode(low | (hi[0] & 0xff) << 16 | (hi[1] & 0xff) << 24);
    }

    private int lengthAt(long pc) {
        Insn in = insnAt(running(), pc);
        return in == null ? 4 : in.len;
    }

    private static boolean isCall(Insn in) {
        int rd = in.archRd();
        return (in.op == Op.JAL || in.op == Op.JALR) && (rd == 1 || rd == 5);
    }

    /** The address of a call instruction whose return address is {@code pc}, or -1. */
    private long callBefore(long pc) {
        for (int len : new int[] {4, 2}) {
            Insn in = insnAt(running(), pc - len);
            if (in != null && in.len == len && isCall(in)) return pc - len;
        }
        return -1;
    }

    /** Guest memory through the shown hart's page tables. */
    public Memory memory() { return new Memory(machine(), this::hart); }

    @Override
    public void close() { tt.close(); }
}
