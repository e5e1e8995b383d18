// gdb's remote serial protocol over a replayed trace, with reverse execution (bc/bs) as seeks.
package dev.lockstep.shell.debug;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.cpu.Hart;
import dev.lockstep.emulator.isa.CsrNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A gdb remote stub for one connection: a riscv64 target description with FP registers and CSRs,
 * g/G p/P m/M, Z0/z0 (and Z1) breakpoints, Z2-Z4 write, read and access watchpoints, c/s and vCont, reverse bc/bs,
 * and {@code monitor} commands that run in the debugger's REPL ({@code monitor when}, {@code monitor
 * seek N}, {@code monitor last-write ADDR}...). Register numbers are gdb's riscv ones: x0-x31 0-31,
 * pc 32, f0-f31 33-64, CSR n at 65+n, the privilege mode at 65+4096.
 */
public final class GdbStub implements AutoCloseable {
    private static final int PC = 32, FIRST_FP = 33, FIRST_CSR = 65, PRIV = 65 + 4096;
    private final Debugger dbg;
    private final ServerSocket server;
    private final Map<Long, Integer> breakIds = new HashMap<>();
    /** gdb's watchpoints by debugger id: the virtual address gdb named and what it watches. */
    private final Map<Integer, GdbWatch> gdbWatches = new HashMap<>();

    private record GdbWatch(long va, Machine.WatchKind kind) {
        /** The stop reply's reason for a hit: gdb matches it against the kind it asked for. */
        String reason() {
            return switch (kind) {
                case WRITE -> "watch";
                case READ -> "rwatch";
                case ACCESS -> "awatch";
            };
        }
    }
    private final String targetXml;
    private boolean noAck;

    /** Listens on 127.0.0.1:{@code port} (0 picks a free port); only loopback peers can reach it. */
    public GdbStub(Debugger dbg, int port) throws IOException {
        this.dbg = dbg;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        this.targetXml = targetDescription();
    }

    public int port() { return server.getLocalPort(); }

    /** Serves one gdb connection until it detaches, kills or disconnects. */
    public void serveOne() throws IOException {
        try (Socket s = server.accept()) {
            s.setTcpNoDelay(true);
            serve(s.getInputStream(), s.getOutputStream());
        }
    }

    @Override
    public void close() throws IOException { server.close(); }

    private void serve(InputStream in, OutputStream out) throws IOException {
        while (true) {
            int c = in.read();
            if (c < 0) return;
            if (c != '$') continue; // acks, and ^C (there is nothing to interrupt: every run is synchronous)
            ByteArrayOutputStream pkt = new ByteArrayOutputStream();
            while ((c = in.read()) >= 0 && c != '#') pkt.write(c);
            if (c < 0 || in.read() < 0 || in.read() < 0) return;
            if (!noAck) out.write('+');
            String packet = unescape(pkt.toByteArray());
            String reply;
            try {
                reply = handle(packet);
            } catch (LockstepException e) {
                reply = "E01";
            }
            if (reply == null) {
                send(out, "OK");
                return;
            }
            send(out, reply);
            if (packet.equals("QStartNoAckMode")) noAck = true;
        }
    }

    private static String unescape(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '}' && i + 1 < b.length) s.append((char) ((b[++i] ^ 0x20) & 0xff));
            else s.append((char) (b[i] & 0xff));
        }
        return s.toString();
    }

    private void send(OutputStream out, String data) throws IOException {
        StringBuilder body = new StringBuilder();
        for (char ch : data.toCharArray()) {
            if (ch == '$' || ch == '#' || ch == '}' || ch == '*') body.append('}').append((char) (ch ^ 0x20));
            else body.append(ch);
        }
        int sum = 0;
        for (char ch : body.toString().toCharArray()) sum += ch;
        out.write(("$" + body + "#" + String.format("%02x", sum & 0xff)).getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** The reply to one packet; null means reply OK and end the session. */
    private String handle(String p) {
        if (p.startsWith("qSupported")) {
            return "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;ReverseContinue+;ReverseStep+;QStartNoAckMode+;vContSupported+";
        }
        if (p.equals("QStartNoAckMode")) return "OK";
        if (p.startsWith("qXfer:features:read:target.xml:")) return xfer(p.substring("qXfer:features:read:target.xml:".length()));
        if (p.startsWith("qXfer:")) return "E00";
        if (p.equals("?")) return "T05" + thread();
        if (p.equals("qAttached")) return "1";
        if (p.equals("qC")) return "QC" + Integer.toHexString(dbg.running().id + 1);
        if (p.equals("qfThreadInfo")) return threadList();
        if (p.equals("qsThreadInfo")) return "l";
        if (p.startsWith("qThreadExtraInfo,")) return threadInfo(p.substring("qThreadExtraInfo,".length()));
        if (p.startsWith("Hg")) return selectThread(p.substring(2));
        if (p.startsWith("H")) return "OK"; // Hc: the harts run in their turns whichever gdb names
        if (p.startsWith("T")) return hartOf(p.substring(1)) >= 0 ? "OK" : "E01";
        if (p.startsWith("qRcmd,")) return monitor(p.substring(6));
        if (p.equals("g")) return readAll();
        if (p.startsWith("G")) return writeAll(p.substring(1));
        if (p.startsWith("p")) return readRegister(Integer.parseInt(p.substring(1), 16));
        if (p.startsWith("P")) {
            int eq = p.indexOf('=');
            return writeRegister(Integer.parseInt(p.substring(1, eq), 16), le(p.substring(eq + 1)));
        }
        if (p.startsWith("m")) return readMemory(p.substring(1));
        if (p.startsWith("M")) return writeMemory(p.substring(1));
        if (p.startsWith("Z") || p.startsWith("z")) return point(p);
        if (p.equals("vCont?")) return "vCont;c;C;s;S";
        if (p.startsWith("vCont;")) {
            char action = p.charAt(6);
            return action == 's' || action == 'S' ? step(steppedHart(p)) : resume();
        }
        if (p.startsWith("vMustReplyEmpty")) return "";
        if (p.equals("c") || p.startsWith("c") || p.startsWith("C")) return resume();
        if (p.equals("s") || p.startsWith("s") || p.startsWith("S")) return step(-1);
        if (p.equals("bc")) return stop(dbg.rcont(), false);
        if (p.equals("bs")) {
            if (dbg.now() == dbg.start()) return "T05replaylog:begin;" + thread();
            dbg.rstep(1);
            return "T05" + thread();
        }
        if (p.equals("D") || p.startsWith("D;")) return null;
        if (p.equals("k")) return null;
        return "";
    }

    private String resume() { return stop(dbg.cont(), true); }

    /** The hart of the thread in "vCont;s:TID[;...]", or -1 when none is named. */
    private int steppedHart(String p) {
        String first = p.substring(6).split(";")[0];
        int colon = first.indexOf(':');
        return colon < 0 ? -1 : hartOf(first.substring(colon + 1));
    }

    /**
     * Steps one instruction of {@code hart} (-1: of whichever hart has the turn): the machine goes on, one
     * instruction at a time, until that hart has retired one (its own minstret counts only its instructions),
     * the recording ends, or a bound is reached (a hart that waits for an interrupt that never comes).
     */
    private String step(int hart) {
        if (dbg.now() >= dbg.end()) return "T05replaylog:end;" + thread();
        if (hart < 0 || dbg.machine().harts().size() == 1) {
            dbg.step(1);
            return "T05" + thread();
        }
        Hart h = dbg.machine().harts().get(hart);
        long before = h.readCsr(MINSTRET);
        for (long n = 0; n < MAX_STEP && dbg.now() < dbg.end() && h.readCsr(MINSTRET) == before; n++) {
            dbg.step(1);
            h = dbg.machine().harts().get(hart); // a seek may have restored the machine
        }
        return "T05thread:" + Integer.toHexString(hart + 1) + ";";
    }

    private static final int MINSTRET = 0xb02;
    /**
     * How many of the machine's instructions a step of one hart may take before it gives up: every other
     * hart's whole turn, on the largest machine. A hart that waits in WFI longer than that stays where it is.
     */
    private static final long MAX_STEP = (long) MachineConfig.MAX_HARTS * Machine.TURN;

    /**
     * The stop reply. gdb treats RISC-V watchpoints as firing before the access and steps over the
     * writing instruction itself (in the direction it is going) before it compares values; so a forward
     * hit is reported before the write and a backward one after it, and gdb's step lands where the
     * REPL stops: after the write going forward, before it going back.
     */
    private String stop(Debugger.Stop s, boolean forward) {
        return switch (s.reason()) {
            case BREAKPOINT -> "T05swbreak:;" + thread();
            case WATCHPOINT -> {
                dbg.timeTravel().seek(forward ? s.writerInstret() : s.writerInstret() + 1);
                GdbWatch w = gdbWatches.get(s.id());
                yield w != null ? String.format("T05%s:%x;", w.reason(), w.va) + thread()
                        : String.format("T05watch:%x;", s.writePa()) + thread();
            }
            case END -> "T05replaylog:end;" + thread();
            case START -> "T05replaylog:begin;" + thread();
            default -> "T05" + thread();
        };
    }

    // ---------------------------------------------------------------- threads: one per hart

    /** The stop reply's thread: the hart whose turn it is (gdb thread ids are hart ids plus 1, in hex). */
    private String thread() { return "thread:" + Integer.toHexString(dbg.running().id + 1) + ";"; }

    private String threadList() {
        StringBuilder s = new StringBuilder("m");
        for (Hart h : dbg.machine().harts()) s.append(s.length() > 1 ? "," : "").append(Integer.toHexString(h.id + 1));
        return s.toString();
    }

    /** The hart of gdb thread id {@code hex}, or -1 if there is none. */
    private int hartOf(String hex) {
        try {
            int id = Integer.parseInt(hex, 16) - 1;
            return id >= 0 && id < dbg.machine().harts().size() ? id : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Hg: the thread (hart) whose registers and memory the next packets mean; 0 or -1: any, the running one. */
    private String selectThread(String id) {
        if (id.equals("0") || id.equals("-1")) {
            dbg.focus(-1);
            return "OK";
        }
        int h = hartOf(id);
        if (h < 0) return "E01";
        dbg.focus(h);
        return "OK";
    }

    /** What gdb's "info threads" shows beside a thread: the hart, its mode, and whether it waits or has the turn. */
    private String threadInfo(String id) {
        int h = hartOf(id);
        if (h < 0) return "E01";
        Hart hart = dbg.machine().harts().get(h);
        String info = "hart " + h + ", " + Repl.priv(hart.priv()) + "-mode" + (hart.waiting() ? ", in WFI" : "") + (hart == dbg.running() ? ", has the turn" : "");
        StringBuilder s = new StringBuilder();
        for (byte b : info.getBytes(StandardCharsets.US_ASCII)) s.append(String.format("%02x", b & 0xff));
        return s.toString();
    }

    private String xfer(String args) {
        String[] ol = args.split(",");
        int off = Integer.parseInt(ol[0], 16), len = Integer.parseInt(ol[1], 16);
        if (off >= targetXml.length()) return "l";
        String chunk = targetXml.substring(off, Math.min(targetXml.length(), off + len));
        return (off + len >= targetXml.length() ? "l" : "m") + chunk;
    }

    // ---------------------------------------------------------------- registers

    private static String hex64(long v) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) s.append(String.format("%02x", (v >>> (8 * i)) & 0xff));
        return s.toString();
    }

    private static long le(String hex) {
        long v = 0;
        for (int i = 0; i + 1 < hex.length() && i < 16; i += 2) v |= Long.parseLong(hex.substring(i, i + 2), 16) << (4 * i);
        return v;
    }

    private String readAll() {
        Hart h = dbg.hart();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 32; i++) s.append(hex64(h.x(i)));
        s.append(hex64(h.pc()));
        return s.toString();
    }

    private String writeAll(String hex) {
        for (int i = 0; i <= 32 && (i + 1) * 16 <= hex.length(); i++) writeRegister(i, le(hex.substring(i * 16, i * 16 + 16)));
        return "OK";
    }

    private String readRegister(int n) {
        Hart h = dbg.hart();
        if (n < 32) return hex64(h.x(n));
        if (n == PC) return hex64(h.pc());
        if (n < FIRST_CSR) return hex64(h.f(n - FIRST_FP));
        if (n == PRIV) return hex64(h.priv());
        if (n <= FIRST_CSR + 3) return hex64(h.readCsr(n - FIRST_CSR)).substring(0, 8); // fflags, frm, fcsr: 32 bits
        if (n < FIRST_CSR + 4096) return hex64(h.readCsr(n - FIRST_CSR));
        return "E01";
    }

    /** Changes the replayed machine until the next seek (gdb's "set $a0 = 1"); the recording itself never changes. */
    private String writeRegister(int n, long v) {
        Hart h = dbg.hart();
        if (n < 32) h.setX(n, v);
        else if (n == PC) h.setPc(v);
        else return "E01";
        return "OK";
    }

    // ---------------------------------------------------------------- memory

    private String readMemory(String args) {
        String[] al = args.split(",");
        long addr = Long.parseUnsignedLong(al[0], 16);
        int len = Math.min(Integer.parseInt(al[1], 16), 0x1000);
        byte[] b = dbg.memory().read(addr, len);
        if (b == null) {
            // As much as is readable, as gdb allows a short read.
            int ok = 0;
            while (ok < len && dbg.memory().read(addr + ok, 1) != null) ok++;
            if (ok == 0) return "E14";
            b = dbg.memory().read(addr, ok);
        }
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(String.format("%02x", x & 0xff));
        return s.toString();
    }

    private String writeMemory(String args) {
        int colon = args.indexOf(':');
        String[] al = args.substring(0, colon).split(",");
        long addr = Long.parseUnsignedLong(al[0], 16);
        String data = args.substring(colon + 1);
        byte[] b = new byte[data.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(data.substring(2 * i, 2 * i + 2), 16);
        return dbg.memory().write(addr, b) ? "OK" : "E14";
    }

    // ---------------------------------------------------------------- breakpoints and watchpoints

    private String point(String p) {
        boolean insert = p.charAt(0) == 'Z';
        int type = p.charAt(1) - '0';
        String[] f = p.substring(3).split("[,;]");
        long addr = Long.parseUnsignedLong(f[0], 16);
        long kind = Long.parseLong(f[1], 16);
        switch (type) {
            case 0, 1 -> {
                if (insert) {
                    if (!breakIds.containsKey(addr)) breakIds.put(addr, dbg.addBreakpoint(addr, String.format("gdb 0x%x", addr), null).id());
                } else {
                    Integer id = breakIds.remove(addr);
                    if (id != null) dbg.delete(id);
                }
                return "OK";
            }
            case 2, 3, 4 -> {
                Machine.WatchKind what = type == 2 ? Machine.WatchKind.WRITE : type == 3 ? Machine.WatchKind.READ : Machine.WatchKind.ACCESS;
                if (!insert) {
                    gdbWatches.entrySet().removeIf(e -> e.getValue().va == addr && e.getValue().kind == what && dbg.delete(e.getKey()));
                    return "OK";
                }
                long pa = dbg.memory().translate(addr);
                if (pa == -1) return "E01";
                int id = dbg.addWatchpoint(pa, kind, String.format("gdb 0x%x", addr), null, what).id();
                gdbWatches.put(id, new GdbWatch(addr, what));
                return "OK";
            }
            default -> {
                return ""; // unknown kind of point: gdb says the target does not support it
            }
        }
    }

    // ---------------------------------------------------------------- monitor

    private String monitor(String hex) {
        byte[] b = new byte[hex.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        String cmd = new String(b, StandardCharsets.UTF_8).strip();
        StringWriter sw = new StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        if (cmd.equals("when")) pw.printf("instruction %d%n", dbg.now());
        else new Repl(dbg, pw).execute(cmd);
        pw.flush();
        String text = sw.toString();
        if (text.isEmpty()) return "OK";
        StringBuilder s = new StringBuilder();
        for (byte x : text.getBytes(StandardCharsets.UTF_8)) s.append(String.format("%02x", x & 0xff));
        return s.toString();
    }

    // ---------------------------------------------------------------- target description

    private static String targetDescription() {
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
        x.append("<architecture>riscv:rv64</architecture>\n");
        x.append("<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
        for (int i = 0; i < 32; i++) {
            String n = dev.lockstep.emulator.isa.Disassembler.xName(i);
            String type = i == 1 ? "code_ptr" : i == 2 || i == 8 ? "data_ptr" : "int";
            x.append(String.format("  <reg name=\"%s\" bitsize=\"64\" regnum=\"%d\" type=\"%s\"/>\n", n, i, type));
        }
        x.append("  <reg name=\"pc\" bitsize=\"64\" regnum=\"32\" type=\"code_ptr\"/>\n</feature>\n");
        x.append("<feature name=\"org.gnu.gdb.riscv.fpu\">\n");
        x.append("  <union id=\"riscv_double\"><field name=\"float\" type=\"ieee_single\"/><field name=\"double\" type=\"ieee_double\"/></union>\n");
        for (int i = 0; i < 32; i++) {
            x.append(String.format("  <reg name=\"%s\" bitsize=\"64\" regnum=\"%d\" type=\"riscv_double\"/>\n",
                    dev.lockstep.emulator.isa.Disassembler.fName(i), FIRST_FP + i));
        }
        for (String n : new String[] {"fflags", "frm", "fcsr"}) {
            x.append(String.format("  <reg name=\"%s\" bitsize=\"32\" regnum=\"%d\" type=\"int\" group=\"float\"/>\n", n,
                    FIRST_CSR + CsrNames.number(n)));
        }
        x.append("</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n");
        TreeMap<Integer, String> csrs = new TreeMap<>();
        for (String n : CsrNames.allNames()) csrs.put(CsrNames.number(n), n);
        for (var e : csrs.entrySet()) {
            if (e.getKey() <= 3) continue;
            x.append(String.format("  <reg name=\"%s\" bitsize=\"64\" regnum=\"%d\" type=\"int\" group=\"csr\"/>\n", e.getValue(),
                    FIRST_CSR + e.getKey()));
        }
        x.append("</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n");
        x.append(String.format("  <reg name=\"priv\" bitsize=\"64\" regnum=\"%d\" type=\"int\" group=\"general\"/>\n", PRIV));
        x.append("</feature>\n</target>\n");
        return x.toString();
    }
}
