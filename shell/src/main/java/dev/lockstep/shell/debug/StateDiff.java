// The difference between two machine states: registers, CSRs, RAM as coalesced ranges with symbols, devices.
package dev.lockstep.shell.debug;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.cpu.Hart;
import dev.lockstep.emulator.isa.CsrNames;
import dev.lockstep.emulator.isa.Disassembler;
import dev.lockstep.emulator.memory.Bus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Captures what a user compares between two points (or two traces) and prints what differs. */
public final class StateDiff {
    private StateDiff() {}

    /** One machine state; RAM pages are shared with the machine's snapshots, so capture costs only what changed. */
    public record State(long instret, List<HartState> harts, long ramBase, byte[][] pages, Map<String, byte[]> devices) {}

    /** One hart's registers and CSRs. */
    public record HartState(int id, long pc, int priv, long[] x, long[] f, Map<String, Long> csrs) {}

    /** A run of differing RAM bytes. */
    public record Range(long start, long end) {
        public long length() { return end - start; }
    }

    private static final int MAX_RANGES = 40;
    /** Ranges closer than this are reported as one. */
    private static final int COALESCE = 16;

    public static State capture(Machine m) {
        List<HartState> harts = new ArrayList<>();
        for (Hart h : m.harts()) {
            long[] x = new long[32], f = new long[32];
            for (int i = 0; i < 32; i++) {
                x[i] = h.x(i);
                f[i] = h.f(i);
            }
            Map<String, Long> csrs = new TreeMap<>();
            for (String n : CsrNames.allNames()) csrs.put(n, h.readCsr(CsrNames.number(n)));
            harts.add(new HartState(h.id, h.pc(), h.priv(), x, f, csrs));
        }
        return new State(m.instret(), List.copyOf(harts), m.bus().ramBase, m.snapshot().pages(), m.deviceStates());
    }

    /** Differing RAM as coalesced physical ranges, in address order. */
    public static List<Range> memory(State a, State b) {
        List<Range> out = new ArrayList<>();
        long runStart = -1, runEnd = -1;
        for (int p = 0; p < a.pages.length; p++) {
            byte[] pa = a.pages[p], pb = b.pages[p];
            if (pa == pb) continue;
            int i = Arrays.mismatch(pa, pb);
            while (i >= 0 && i < Bus.PAGE_SIZE) {
                int j = i;
                while (j < Bus.PAGE_SIZE && pa[j] != pb[j]) j++;
                long s = a.ramBase + ((long) p << Bus.PAGE_SHIFT) + i, e = a.ramBase + ((long) p << Bus.PAGE_SHIFT) + j;
                if (runStart >= 0 && s - runEnd <= COALESCE) runEnd = e;
                else {
                    if (runStart >= 0) out.add(new Range(runStart, runEnd));
                    runStart = s;
                    runEnd = e;
                }
                int next = j >= Bus.PAGE_SIZE ? -1 : Arrays.mismatch(pa, j, Bus.PAGE_SIZE, pb, j, Bus.PAGE_SIZE);
                i = next < 0 ? -1 : j + next;
            }
        }
        if (runStart >= 0) out.add(new Range(runStart, runEnd));
        return out;
    }

    private static final java.util.Set<String> COUNTERS = java.util.Set.of("cycle", "instret", "time", "mcycle", "minstret");

    /**
     * Prints registers, CSRs (each hart's, named "hart N" when there are several), memory and devices that
     * differ between {@code a} and {@code b}; returns how many things differ.
     */
    public static int print(State a, State b, Symbols syms, PrintWriter out) {
        int n = 0;
        String la = String.format("[%,d]", a.instret), lb = String.format("[%,d]", b.instret);
        out.printf("state at %s vs %s%n", la, lb);
        boolean several = a.harts.size() > 1;
        for (int h = 0; h < Math.min(a.harts.size(), b.harts.size()); h++) {
            java.io.StringWriter lines = new java.io.StringWriter();
            PrintWriter to = new PrintWriter(lines);
            n += print(a.harts.get(h), b.harts.get(h), syms, to, several ? "  " : "");
            to.flush();
            if (several && lines.getBuffer().length() > 0) out.printf("  hart %d:%n", h);
            out.print(lines);
        }
        List<Range> mem = memory(a, b);
        if (!mem.isEmpty()) {
            long bytes = mem.stream().mapToLong(Range::length).sum();
            out.printf("  memory: %d range%s, %,d bytes differ%n", mem.size(), mem.size() == 1 ? "" : "s", bytes);
            for (int i = 0; i < Math.min(MAX_RANGES, mem.size()); i++) {
                Range r = mem.get(i);
                out.printf("    0x%x..0x%x %4d bytes %-24s %s%n", r.start, r.end, r.length(), syms.describe(r.start),
                        r.length() <= 16 ? values(a, b, r) : "");
            }
            if (mem.size() > MAX_RANGES) out.printf("    ... %d more ranges%n", mem.size() - MAX_RANGES);
            n += mem.size();
        }
        for (Map.Entry<String, byte[]> e : a.devices.entrySet()) {
            byte[] db = b.devices.get(e.getKey());
            if (!Arrays.equals(e.getValue(), db)) {
                out.printf("  device %s: state differs (%d of %d saved bytes)%n", e.getKey(), differing(e.getValue(), db),
                        e.getValue().length);
                n++;
            }
        }
        if (n == 0) out.println("  no difference (beyond the counters)");
        return n;
    }

    private static int print(HartState a, HartState b, Symbols syms, PrintWriter out, String indent) {
        int n = 0;
        if (a.pc != b.pc) {
            out.printf("%s  pc       0x%x %s -> 0x%x %s%n", indent, a.pc, syms.describe(a.pc), b.pc, syms.describe(b.pc));
            n++;
        }
        if (a.priv != b.priv) {
            out.printf("%s  mode     %d -> %d%n", indent, a.priv, b.priv);
            n++;
        }
        for (int i = 1; i < 32; i++) {
            if (a.x[i] != b.x[i]) {
                out.printf("%s  %-8s 0x%016x -> 0x%016x%n", indent, Disassembler.xName(i), a.x[i], b.x[i]);
                n++;
            }
        }
        for (int i = 0; i < 32; i++) {
            if (a.f[i] != b.f[i]) {
                out.printf("%s  %-8s 0x%016x -> 0x%016x%n", indent, Disassembler.fName(i), a.f[i], b.f[i]);
                n++;
            }
        }
        List<String> counters = new ArrayList<>();
        for (Map.Entry<String, Long> e : a.csrs.entrySet()) {
            long vb = b.csrs.getOrDefault(e.getKey(), 0L);
            if (e.getValue() == vb) continue;
            if (COUNTERS.contains(e.getKey())) {
                counters.add(e.getKey());
                continue;
            }
            out.printf("%s  %-8s 0x%016x -> 0x%016x%n", indent, e.getKey(), e.getValue(), vb);
            n++;
        }
        if (!counters.isEmpty()) out.printf("%s  (counters that follow the instruction number: %s)%n", indent, String.join(", ", counters));
        return n;
    }

    private static int differing(byte[] a, byte[] b) {
        if (b == null) return a.length;
        int d = Math.abs(a.length - b.length);
        for (int i = 0; i < Math.min(a.length, b.length); i++) if (a[i] != b[i]) d++;
        return d;
    }

    private static String values(State a, State b, Range r) {
        return hex(a, r) + " -> " + hex(b, r);
    }

    private static String hex(State s, Range r) {
        StringBuilder sb = new StringBuilder();
        for (long p = r.start; p < r.end; p++) {
            long off = p - s.ramBase;
            sb.append(String.format("%02x", s.pages[(int) (off >>> Bus.PAGE_SHIFT)][(int) (off & (Bus.PAGE_SIZE - 1))]));
        }
        return sb.toString();
    }
}
