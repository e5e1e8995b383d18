// Where two executions part: the first instruction number at which their machine states differ (DESIGN §8).
package dev.lockstep.shell.debug;

import dev.lockstep.emulator.isa.Disassembler;
import dev.lockstep.emulator.isa.Insn;
import dev.lockstep.replayer.TimeTravel;
import dev.lockstep.shell.EventsCommand;
import dev.lockstep.traceformat.EntryCursor;
import dev.lockstep.traceformat.GuestImage;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.Trace;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Aligns two traces by instruction number. Inputs are compared first (the first input entry that differs
 * bounds the equal prefix from below), then the STATE_HASH entries both carry (the last equal and first
 * different hash bracket the divergence), then replays of both bisect the bracket to the first instruction
 * number N whose states differ: N-1 is equal, so the instruction that ran at N-1 (the same in both) made
 * the difference, fed by the input entry stamped N-1 or N when there is one.
 */
public final class TraceDiff {
    private TraceDiff() {}

    /** The answer: identical, or the first differing instruction number with a report. */
    public record Result(boolean identical, long instret, String report) {}

    private static boolean isInput(LogEntry e) {
        return e instanceof LogEntry.ConsoleIn || e instanceof LogEntry.NetRx || e instanceof LogEntry.DiskDone
                || e instanceof LogEntry.Rng || e instanceof LogEntry.Clock || e instanceof LogEntry.Wall || e instanceof LogEntry.Irq;
    }

    private record Scan(List<LogEntry> inputs, TreeMap<Long, Long> hashes, long end) {}

    private static Scan scan(Trace t) {
        List<LogEntry> inputs = new ArrayList<>();
        TreeMap<Long, Long> hashes = new TreeMap<>();
        try (EntryCursor c = t.entries()) {
            while (c.hasNext()) {
                LogEntry e = c.next();
                if (isInput(e)) inputs.add(e);
                else if (e instanceof LogEntry.StateHash h) hashes.put(h.instret(), h.hash());
            }
        }
        return new Scan(inputs, hashes, t.totalInstructions());
    }

    public static Result run(Path a, Path b, LongConsumer progress) {
        try (TimeTravel ta = TimeTravel.open(a); TimeTravel tb = TimeTravel.open(b)) {
            ta.replayer().setChecking(false);
            tb.replayer().setChecking(false);
            StringWriter sw = new StringWriter();
            PrintWriter out = new PrintWriter(sw);
            String boot = bootDifference(ta.replayer().trace(), tb.replayer().trace());
            if (boot != null) {
                out.println("the traces boot different machines: " + boot);
                out.flush();
                return new Result(false, 0, sw.toString());
            }
            Scan sa = scan(ta.replayer().trace()), sb = scan(tb.replayer().trace());
            LogEntry[] firstInput = firstDifferentInput(sa.inputs, sb.inputs);
            long common = Math.min(sa.end, sb.end);
            long lo = 0, hi = common;
            long inputAt = firstInput == null ? Long.MAX_VALUE : Math.min(at(firstInput[0], common), at(firstInput[1], common));
            if (firstInput != null) {
                long at = inputAt;
                lo = Math.max(lo, Math.min(at, common) - 1);
                out.printf("inputs differ first at instruction %,d:%n  A: %s%n  B: %s%n", at, describe(firstInput[0]), describe(firstInput[1]));
            } else {
                out.println("inputs: identical" + (sa.inputs.size() == sb.inputs.size() ? "" : " up to where one trace ends"));
            }
            Long firstBadHash = null;
            for (var e : sa.hashes.entrySet()) {
                Long other = sb.hashes.get(e.getKey());
                if (other == null || e.getKey() > common) continue;
                if (other.equals(e.getValue())) {
                    // Equal hashes after the inputs part say nothing about the first difference: states can reconverge.
                    if (firstBadHash == null && e.getKey() < inputAt) lo = Math.max(lo, e.getKey());
                } else if (firstBadHash == null) firstBadHash = e.getKey();
            }
            if (firstBadHash != null) {
                hi = Math.min(hi, firstBadHash);
                out.printf("state hashes: equal up to %,d, differ at %,d%n", lo, firstBadHash);
            } else {
                out.println("state hashes: no common hash differs");
            }
            lo = Math.max(0, Math.min(lo, hi));
            if (firstInput != null) {
                // A differing input usually shows in the state at once (a UART byte) or one instruction later
                // (an RTC read); the states may well agree again later, when the guest has no use for it.
                long at = Math.min(at(firstInput[0], common), at(firstInput[1], common));
                for (long n = at; n <= Math.min(at + 1, hi); n++) {
                    if (n > lo && !equal(ta, tb, n, progress)) {
                        hi = n;
                        break;
                    }
                }
            }
            if (equal(ta, tb, hi, progress)) {
                if (sa.end == sb.end) {
                    out.printf("identical: the machine states are equal at the end, instruction %,d%n", common);
                    out.flush();
                    return new Result(true, -1, sw.toString());
                }
                out.printf("the states are equal up to instruction %,d, where trace %s ends and the other goes on to %,d%n", common,
                        sa.end < sb.end ? "A" : "B", Math.max(sa.end, sb.end));
                out.flush();
                return new Result(false, common + 1, sw.toString());
            }
            if (lo >= hi || !equal(ta, tb, lo, progress)) lo = 0;
            while (hi - lo > 1) {
                long mid = lo + (hi - lo) / 2;
                if (equal(ta, tb, mid, progress)) lo = mid;
                else hi = mid;
            }
            report(ta, tb, hi, sa, sb, out);
            out.flush();
            return new Result(false, hi, sw.toString());
        }
    }

    private static long at(LogEntry e, long common) { return e == null ? common : e.instret(); }

    private static boolean equal(TimeTravel a, TimeTravel b, long n, LongConsumer progress) {
        a.seek(n);
        b.seek(n);
        if (progress != null) progress.accept(n);
        return a.now() == n && b.now() == n && a.machine().stateHash() == b.machine().stateHash();
    }

    private static String bootDifference(Trace a, Trace b) {
        if (!a.header().machineConfig().equals(b.header().machineConfig())) {
            return "configuration " + a.header().machineConfig() + " vs " + b.header().machineConfig();
        }
        List<GuestImage> ia = a.header().images(), ib = b.header().images();
        if (ia.size() != ib.size()) return ia.size() + " images vs " + ib.size();
        for (int i = 0; i < ia.size(); i++) {
            if (!Arrays.equals(ia.get(i).sha256(), ib.get(i).sha256()) || !ia.get(i).role().equals(ib.get(i).role())) {
                return "image " + ia.get(i).name() + " (" + ia.get(i).role() + ") differs from " + ib.get(i).name() + " (" + ib.get(i).role() + ")";
            }
        }
        return null;
    }

    /** The first pair of input entries (in order) that differ, either null where one list ran out; or null. */
    private static LogEntry[] firstDifferentInput(List<LogEntry> a, List<LogEntry> b) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            LogEntry x = i < a.size() ? a.get(i) : null, y = i < b.size() ? b.get(i) : null;
            if (x == null || !x.equals(y)) return new LogEntry[] {x, y};
        }
        return null;
    }

    private static String describe(LogEntry e) { return e == null ? "(no more inputs)" : EventsCommand.text(e).strip(); }

    private static void report(TimeTravel a, TimeTravel b, long n, Scan sa, Scan sb, PrintWriter out) {
        a.seek(n - 1);
        Symbols syms = new Symbols(a.machine());
        long pc = a.machine().hart().pc();
        Memory mem = new Memory(a.machine());
        byte[] w = mem.read(pc, 4);
        String dis = "(not readable)";
        if (w != null) {
            Insn in = decode(w);
            dis = Disassembler.format(in, pc);
        }
        out.printf("first divergence at instruction %,d: states are equal at %,d and differ at %,d%n", n, n - 1, n);
        out.printf("  the instruction at [%,d]: 0x%x %s: %s%n", n - 1, pc, syms.describe(pc), dis);
        a.seek(n);
        b.seek(n);
        StateDiff.State sA = StateDiff.capture(a.machine()), sB = StateDiff.capture(b.machine());
        out.println("differences at " + String.format("%,d", n) + " (A -> B):");
        StateDiff.print(sA, sB, syms, out);
        List<String> causes = new ArrayList<>();
        for (long at = n - 1; at <= n; at++) {
            List<LogEntry> ea = inputsAt(sa.inputs, at), eb = inputsAt(sb.inputs, at);
            if (!ea.equals(eb)) {
                for (LogEntry e : ea) if (!eb.contains(e)) causes.add("A: " + describe(e));
                for (LogEntry e : eb) if (!ea.contains(e)) causes.add("B: " + describe(e));
            }
        }
        if (causes.isEmpty()) out.println("no input entry differs at that instruction: the difference comes from earlier state");
        else {
            out.println("caused by the input entr" + (causes.size() == 1 ? "y" : "ies") + ":");
            for (String c : causes) out.println("  " + c);
        }
    }

    private static Insn decode(byte[] w) {
        int lo = (w[0] & 0xff) | (w[1] & 0xff) << 8;
        if (dev.lockstep.emulator.isa.Decoder.length(lo) == 2) return dev.lockstep.emulator.isa.Decoder.decode(lo);
        return dev.lockstep.emulator.isa.Decoder.decode(lo | (w[2] & 0xff) << 16 | (w[3] & 0xff) << 24);
    }

    private static List<LogEntry> inputsAt(List<LogEntry> inputs, long n) {
        List<LogEntry> r = new ArrayList<>();
        for (LogEntry e : inputs) if (e.instret() == n) r.add(e);
        return r;
    }

    /** Prints a result. */
    public static void print(Result r, PrintWriter out) {
        out.print(r.report());
        out.flush();
    }
}
