// One RV64 hart: registers, the interpreter loop over decoded blocks, memory access, traps and interrupts.
package dev.lockstep.emulator.cpu;

import static dev.lockstep.emulator.memory.Bus.LE16;
import static dev.lockstep.emulator.memory.Bus.LE32;
import static dev.lockstep.emulator.memory.Bus.LE64;

import dev.lockstep.emulator.isa.Decoder;
import dev.lockstep.emulator.isa.Insn;
import dev.lockstep.emulator.isa.Op;
import dev.lockstep.emulator.memory.Bus;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;

/**
 * A hart. The hot loop ({@link #execute}) runs a decoded {@link Block} with an instruction budget, so
 * a run stops exactly at a requested instruction number (DESIGN §1). Interrupts are checked between
 * blocks; everything that can change what is pending and enabled ends a block (CSR writes, device
 * accesses, code writes), and timer deadlines are precomputed so the budget stops at them. The RAM
 * path of loads and stores is inlined here and allocates nothing; translation goes through per-access
 * TLBs keyed by page and privilege context.
 */
public final class Hart {
    private static final int MAX_BLOCK = 64;
    private static final int CACHE_BITS = 16;
    private static final int TLB_SIZE = 256;

    public final int id;
    final Bus bus;
    final GuestClock clock;
    private final byte[] ram;
    private final long ramBase;
    private final long ramSize;
    private final long ramLast2, ramLast4, ramLast8;
    private final int[] stamps;
    private final long[] slow;
    private final int[] codeGen;
    private int epoch;

    /** x0..x31 plus {@link Insn#SINK}. */
    final long[] x = new long[33];
    final long[] f = new long[32];
    long pc;
    int priv = Priv.M;
    /** Instructions retired since reset: the machine's instruction number. */
    long instret;
    /** While a block runs: how many of its instructions have retired before the current one. */
    int pos;
    boolean exitBlock;
    boolean waiting;
    private boolean stuck;
    /** Set when any rare stop condition may hold, so the run loop tests one flag per block. */
    private boolean attention;
    long reservation = -1;

    final Csrs csr;
    final Mmu mmu;
    final Triggers triggers;
    FpState fp;

    // TLBs: tag = virtual page | context; value = physical page.
    final long[] tlbTagR = new long[TLB_SIZE], tlbPaR = new long[TLB_SIZE];
    final long[] tlbTagW = new long[TLB_SIZE], tlbPaW = new long[TLB_SIZE];
    final long[] tlbTagX = new long[TLB_SIZE], tlbPaX = new long[TLB_SIZE];
    /** Effective-privilege contexts folded into TLB tags (low 12 bits of a page address are free). */
    long ctxData, ctxFetch;
    /**
     * In ctxData while a load or store trigger is armed: entries filled before then do not match, and none
     * are filled meanwhile, so every data access misses the TLB and passes the trigger check on its way.
     */
    private static final long CTX_WATCHED = 1 << 5;
    /**
     * In ctxLoad (never in a TLB entry's tag) while the debugger watches reads: every load's lookup misses,
     * and {@link #loadMiss} does what the load would have done to the TLB, then the check.
     */
    private static final long CTX_READS_WATCHED = 1 << 6;
    boolean dataBare = true, fetchBare = true;
    /** dataBare and ctxData as loads see them: the same unless the debugger watches reads. */
    private boolean loadBare = true;
    private long ctxLoad;

    /** The instruction number at which a timer next becomes pending, so the budget stops there. */
    long timerDeadline = Long.MAX_VALUE;
    long mtimecmp = -1;

    private final Block[] cache = new Block[1 << CACHE_BITS];
    /** Debugger breakpoints (virtual pcs); a block never runs past one, so a stop is exact. */
    private java.util.Set<Long> breakpoints = java.util.Set.of();
    private long resumeFrom = -1;
    private boolean translate = BlockCompiler.ENABLED;
    private final Trap trap = new Trap();

    public Hart(int id, Bus bus, GuestClock clock) {
        this.id = id;
        this.bus = bus;
        this.clock = clock;
        this.ram = bus.ram();
        this.ramBase = bus.ramBase;
        this.ramSize = bus.ramSize;
        this.ramLast2 = ramSize - 2;
        this.ramLast4 = ramSize - 4;
        this.ramLast8 = ramSize - 8;
        this.stamps = bus.writeStamps();
        this.slow = bus.slowChunks();
        this.codeGen = bus.codeGen();
        this.epoch = bus.epoch();
        this.csr = new Csrs(this);
        this.mmu = new Mmu(this);
        this.triggers = new Triggers(this);
        flushTlb();
        FpUnit.attach(this);
        StateWriter w = new StateWriter();
        save(w);
        powerOn = w.toByteArray();
    }

    /** The state {@link #reset} returns to: the hart as built (the reset then sets the pc). */
    private final byte[] powerOn;

    /**
     * A system reset: registers, CSRs and TLBs as at power-on and pc at the reset vector {@code pc}. The
     * instruction number goes on counting, since it numbers the log's entries (minstret and mcycle, whose
     * reset values the privileged spec leaves open, go on with it; mtime is the board's and goes on too).
     */
    public void reset(long pc) {
        long n = instret;
        restore(new StateReader(powerOn));
        instret = n;
        this.pc = pc;
        trapsWithoutRetiring = 0;
        lastTrapInstret = -1;
        updateTimers();
    }

    // ------------------------------------------------------------------ running

    /** Why {@link #run} returned. */
    public enum Stop { LIMIT, IDLE, REQUESTED, STUCK, BREAKPOINT, YIELD }

    /**
     * Traps taken in a row without an instruction retiring. A guest whose trap handler itself traps (mtvec
     * at an illegal word or unmapped address) never retires again, as on hardware; run(N) counts retired
     * instructions, so past this many such traps it reports the hart STUCK instead of spinning forever.
     */
    private static final int STUCK_TRAPS = 10_000;
    private long lastTrapInstret = -1;
    private int trapsWithoutRetiring;

    private boolean stopRequested, yieldRequested;

    /** Asks the run loop to return at the next instruction boundary. */
    public void requestStop() {
        stopRequested = true;
        attention = true;
        exitBlock = true;
    }

    /**
     * Asks the run loop to return {@link Stop#YIELD} at the next instruction boundary: the hart sent
     * another an interrupt, whose turn may come now (a multi-hart machine's scheduling; never a stop).
     */
    public void requestYield() {
        yieldRequested = true;
        attention = true;
        exitBlock = true;
    }

    /**
     * Told when this hart spins: it executes PAUSE, or a WFI that will not wait (a multi-hart machine ends
     * its turn there, so that the hart it waits for runs); null to ignore.
     */
    public void onSpin(Runnable hook) { this.spinHook = hook; }

    private Runnable spinHook;

    /**
     * The hart's turn comes at the machine's instruction number {@code global}, which other harts advanced
     * since it last ran: minstret counts this hart's own instructions only, so those leave it through its
     * offset (mcycle, like mtime, is the board's and counts them), and its timers are looked at again.
     */
    public void catchUp(long global) {
        long skipped = global - instret;
        if (skipped == 0) return;
        instret = global;
        csr.instretOffset -= skipped;
        updateTimers();
    }

    /**
     * Its turn ends and another hart's begins: the reservation of an LR goes, since the other hart may
     * store to it (an SC may fail for any reason; an LR/SC loop succeeds in its next turn).
     */
    public void suspend() { reservation = -1; }

    /** Whether the hart would execute now rather than wait (it is not in WFI, or an enabled interrupt is pending). */
    public boolean runnable() {
        if (instret >= timerDeadline) updateTimers();
        return !waiting || (csr.mip & csr.mie) != 0;
    }

    /** Runs until the instruction number reaches {@code target}, the hart idles in WFI, or a stop is requested. */
    public Stop run(long target) {
        try {
            return runBlocks(target);
        } finally {
            running = null; // pcNow() is the block's only while it runs
        }
    }

    private Stop runBlocks(long target) {
        stopRequested = false;
        yieldRequested = false;
        attention = needsAttention();
        while (instret < target) {
            if (instret >= timerDeadline) updateTimers();
            if ((csr.mip & csr.mie) != 0) {
                waiting = false;
                checkInterrupts();
            }
            if (waiting) return Stop.IDLE;
            if (attention) {
                // One test per block for the rare cases: a stop request, a stuck hart, debugger breakpoints.
                if (stopRequested) return Stop.REQUESTED;
                if (yieldRequested) {
                    yieldRequested = false;
                    attention = needsAttention();
                    return Stop.YIELD;
                }
                if (stuck) {
                    stuck = false;
                    trapsWithoutRetiring = 0;
                    attention = needsAttention();
                    return Stop.STUCK;
                }
                if (!breakpoints.isEmpty()) {
                    if (breakpoints.contains(pc) && pc != resumeFrom) return Stop.BREAKPOINT;
                    resumeFrom = -1;
                }
                if (triggers.onExecute() && runToTrigger(target)) continue;
            }
            Block b;
            try {
                b = block(pc);
            } catch (Trap t) {
                takeTrap(t.cause, t.tval, pc);
                continue;
            }
            long budget = Math.min(target, timerDeadline) - instret;
            int len = b.insns.length;
            dispatches++;
            running = b;
            if (budget >= len && b.compiled != null) {
                loopLimit = instret + budget;
                executeCompiled(b);
            } else {
                if (translate && b.gen >= 0) {
                    // Translated once it has run often enough to repay translating it (BlockCompiler.THRESHOLD).
                    if (++b.hits == translateAfter) b.compiled = BlockCompiler.compile(b);
                }
                execute(b, (int) Math.min(len, budget));
            }
        }
        return stopRequested ? Stop.REQUESTED : Stop.LIMIT;
    }

    /** Whether the run loop must look at rare conditions before each block (see {@link #attention}). */
    private boolean needsAttention() { return stuck || !breakpoints.isEmpty() || triggers.onExecute(); }

    /**
     * With an execute trigger armed, before the block at pc: takes the trigger's breakpoint exception if it
     * fires here, or runs the block only up to an instruction at a trigger's address (interpreted, since a
     * translated block runs whole), so that instruction starts the next block and is checked in its turn.
     * Returns false when the block holds no trigger address and runs as usual.
     */
    private boolean runToTrigger(long target) {
        if (triggers.firesOnExecute(pc)) {
            takeTrap(Trap.BREAKPOINT, pc, pc);
            return true;
        }
        Block b;
        try {
            b = block(pc);
        } catch (Trap t) {
            takeTrap(t.cause, t.tval, pc);
            return true;
        }
        int n = triggers.runBefore(b, pc);
        if (n == b.insns.length) return false;
        dispatches++;
        running = b;
        execute(b, (int) Math.min(n, Math.min(target, timerDeadline) - instret));
        return true;
    }

    /** Hears the data reads of a hart whose reads are watched; true stops the hart before the read. */
    public interface ReadWatch {
        boolean onRead(long pa, int size);
    }

    private ReadWatch readWatch;

    /**
     * Reports every data read (loads, LR, the read of an AMO, FP loads; not the page-table walk) to
     * {@code watch} once translated, or stops reporting with null. When the watch answers true the hart
     * stops before the reading instruction, with nothing of it done: the run ends as a {@link #requestStop}
     * ends it, which the watch is expected to have called. Every load then takes {@link #loadMiss}, which
     * fills and uses the TLB exactly as the load would have without a watch (its entries are machine
     * state, hashed and replayed); stores and unwatched runs are untouched.
     */
    public void watchReads(ReadWatch watch) {
        readWatch = watch;
        updateTranslation();
    }

    /** Execute triggers changed: the run loop looks at pcs; load and store triggers take the TLB's slow path. */
    void triggersChanged() {
        if (triggers.onExecute()) {
            attention = true;
            exitBlock = true;
        }
        updateTranslation();
    }

    /** Whether the guest's trigger registers hold their reset values (then a snapshot has no trigger section). */
    public boolean triggersAtReset() { return triggers.atReset(); }

    public void saveTriggers(StateWriter w) { triggers.save(w); }

    public void restoreTriggers(StateReader r) { triggers.restore(r); }

    /** The exact instruction number, also while a block is running (device reads of mtime use it). */
    public long instretNow() { return instret + pos; }

    private Block running;
    private long dispatches;

    /** The pc of the instruction executing now; valid while a block runs (device and watch callbacks). */
    public long pcNow() { return running != null && pos < running.insns.length ? pc + running.insns[pos].off : pc; }

    private void execute(Block b, int n) {
        final Insn[] code = b.insns;
        final long[] x = this.x;
        final long base = pc;
        int i = 0;
        try {
            loop:
            while (i < n) {
                final Insn in = code[i];
                switch (in.op) {
                    case LUI -> x[in.rd] = in.imm;
                    case AUIPC -> x[in.rd] = base + in.off + in.imm;
                    case JAL -> {
                        x[in.rd] = base + in.next;
                        pc = base + in.off + in.imm;
                        instret += i + 1;
                        return;
                    }
                    case JALR -> {
                        long t = (x[in.rs1] + in.imm) & ~1L;
                        x[in.rd] = base + in.next;
                        pc = t;
                        instret += i + 1;
                        return;
                    }
                    case BEQ -> { if (x[in.rs1] == x[in.rs2]) { branch(base + in.off + in.imm, i); return; } }
                    case BNE -> { if (x[in.rs1] != x[in.rs2]) { branch(base + in.off + in.imm, i); return; } }
                    case BLT -> { if (x[in.rs1] < x[in.rs2]) { branch(base + in.off + in.imm, i); return; } }
                    case BGE -> { if (x[in.rs1] >= x[in.rs2]) { branch(base + in.off + in.imm, i); return; } }
                    case BLTU -> { if (Long.compareUnsigned(x[in.rs1], x[in.rs2]) < 0) { branch(base + in.off + in.imm, i); return; } }
                    case BGEU -> { if (Long.compareUnsigned(x[in.rs1], x[in.rs2]) >= 0) { branch(base + in.off + in.imm, i); return; } }
                    case LB -> { pos = i; x[in.rd] = load8(x[in.rs1] + in.imm); }
                    case LH -> { pos = i; x[in.rd] = load16(x[in.rs1] + in.imm); }
                    case LW -> { pos = i; x[in.rd] = load32(x[in.rs1] + in.imm); }
                    case LD -> { pos = i; x[in.rd] = load64(x[in.rs1] + in.imm); }
                    case LBU -> { pos = i; x[in.rd] = load8(x[in.rs1] + in.imm) & 0xffL; }
                    case LHU -> { pos = i; x[in.rd] = load16(x[in.rs1] + in.imm) & 0xffffL; }
                    case LWU -> { pos = i; x[in.rd] = load32(x[in.rs1] + in.imm) & 0xffffffffL; }
                    case SB -> { pos = i; store8(x[in.rs1] + in.imm, x[in.rs2]); if (exitBlock) { i++; break loop; } }
                    case SH -> { pos = i; store16(x[in.rs1] + in.imm, x[in.rs2]); if (exitBlock) { i++; break loop; } }
                    case SW -> { pos = i; store32(x[in.rs1] + in.imm, x[in.rs2]); if (exitBlock) { i++; break loop; } }
                    case SD -> { pos = i; store64(x[in.rs1] + in.imm, x[in.rs2]); if (exitBlock) { i++; break loop; } }
                    case ADDI -> x[in.rd] = x[in.rs1] + in.imm;
                    case SLTI -> x[in.rd] = x[in.rs1] < in.imm ? 1 : 0;
                    case SLTIU -> x[in.rd] = Long.compareUnsigned(x[in.rs1], in.imm) < 0 ? 1 : 0;
                    case XORI -> x[in.rd] = x[in.rs1] ^ in.imm;
                    case ORI -> x[in.rd] = x[in.rs1] | in.imm;
                    case ANDI -> x[in.rd] = x[in.rs1] & in.imm;
                    case SLLI -> x[in.rd] = x[in.rs1] << in.imm;
                    case SRLI -> x[in.rd] = x[in.rs1] >>> in.imm;
                    case SRAI -> x[in.rd] = x[in.rs1] >> in.imm;
                    case ADD -> x[in.rd] = x[in.rs1] + x[in.rs2];
                    case SUB -> x[in.rd] = x[in.rs1] - x[in.rs2];
                    case SLL -> x[in.rd] = x[in.rs1] << x[in.rs2];
                    case SLT -> x[in.rd] = x[in.rs1] < x[in.rs2] ? 1 : 0;
                    case SLTU -> x[in.rd] = Long.compareUnsigned(x[in.rs1], x[in.rs2]) < 0 ? 1 : 0;
                    case XOR -> x[in.rd] = x[in.rs1] ^ x[in.rs2];
                    case SRL -> x[in.rd] = x[in.rs1] >>> x[in.rs2];
                    case SRA -> x[in.rd] = x[in.rs1] >> x[in.rs2];
                    case OR -> x[in.rd] = x[in.rs1] | x[in.rs2];
                    case AND -> x[in.rd] = x[in.rs1] & x[in.rs2];
                    case ADDIW -> x[in.rd] = (int) (x[in.rs1] + in.imm);
                    case SLLIW -> x[in.rd] = (int) x[in.rs1] << in.imm;
                    case SRLIW -> x[in.rd] = (int) x[in.rs1] >>> in.imm;
                    case SRAIW -> x[in.rd] = (int) x[in.rs1] >> in.imm;
                    case ADDW -> x[in.rd] = (int) (x[in.rs1] + x[in.rs2]);
                    case SUBW -> x[in.rd] = (int) (x[in.rs1] - x[in.rs2]);
                    case SLLW -> x[in.rd] = (int) x[in.rs1] << x[in.rs2];
                    case SRLW -> x[in.rd] = (int) x[in.rs1] >>> x[in.rs2];
                    case SRAW -> x[in.rd] = (int) x[in.rs1] >> x[in.rs2];
                    case MUL -> x[in.rd] = x[in.rs1] * x[in.rs2];
                    case MULH -> x[in.rd] = Math.multiplyHigh(x[in.rs1], x[in.rs2]);
                    case MULHSU -> x[in.rd] = mulhsu(x[in.rs1], x[in.rs2]);
                    case MULHU -> x[in.rd] = mulhu(x[in.rs1], x[in.rs2]);
                    case DIV -> x[in.rd] = div(x[in.rs1], x[in.rs2]);
                    case DIVU -> x[in.rd] = x[in.rs2] == 0 ? -1L : Long.divideUnsigned(x[in.rs1], x[in.rs2]);
                    case REM -> x[in.rd] = x[in.rs2] == 0 ? x[in.rs1] : x[in.rs1] % x[in.rs2];
                    case REMU -> x[in.rd] = x[in.rs2] == 0 ? x[in.rs1] : Long.remainderUnsigned(x[in.rs1], x[in.rs2]);
                    case MULW -> x[in.rd] = (int) x[in.rs1] * (int) x[in.rs2];
                    case DIVW -> x[in.rd] = divw((int) x[in.rs1], (int) x[in.rs2]);
                    case DIVUW -> x[in.rd] = (int) x[in.rs2] == 0 ? -1L : (long) Integer.divideUnsigned((int) x[in.rs1], (int) x[in.rs2]);
                    case REMW -> x[in.rd] = (int) x[in.rs2] == 0 ? (long) (int) x[in.rs1] : (long) ((int) x[in.rs1] % (int) x[in.rs2]);
                    case REMUW -> x[in.rd] = (int) x[in.rs2] == 0 ? (long) (int) x[in.rs1] : (long) Integer.remainderUnsigned((int) x[in.rs1], (int) x[in.rs2]);
                    case FENCE -> { }
                    default -> {
                        // Everything rarer: atomics, CSRs, system instructions, floating point.
                        pos = i;
                        int r = executeRare(in, base + in.off);
                        if (r == RARE_JUMPED) {
                            instret += i + 1;
                            pos = 0;
                            return;
                        }
                        if (r == RARE_END || exitBlock) { i++; break loop; }
                    }
                }
                i++;
            }
            instret += i;
            pos = 0;
            exitBlock = false;
            if (i > 0) pc = base + code[i - 1].next;
        } catch (Trap t) {
            instret += i;
            pos = 0;
            exitBlock = false;
            long epc = base + code[i].off;
            takeTrap(t.cause, t.tval, epc);
        }
    }

    private void executeCompiled(Block b) {
        long base = pc;
        try {
            b.compiled.run(this, x, base, b.insns);
        } catch (Trap t) {
            int i = pos;
            instret += i;
            pos = 0;
            exitBlock = false;
            takeTrap(t.cause, t.tval, base + b.insns[i].off);
        }
    }

    /** How far a translated block that loops on itself may run: the run's target or the next timer event. */
    private long loopLimit;

    /**
     * A translated block of {@code length} instructions branches back to its own start after {@code retired}
     * of them: retires that iteration and tells whether the run loop would run the block again at once, whole,
     * with nothing to look at in between (no interrupt pending and enabled, no timer event or target inside
     * the block's length, no stop request or breakpoint, no device access that asked for a look). Then the
     * block loops by itself, and the guest sees exactly what it would through the run loop.
     */
    boolean again(int retired, int length) {
        instret += retired;
        pos = 0;
        return instret + length <= loopLimit && !exitBlock && !attention && (csr.mip & csr.mie) == 0;
    }

    /** A translated block ends: continue at {@code next} with {@code retired} more instructions retired. */
    void leave(long next, int retired) {
        pc = next;
        instret += retired;
        pos = 0;
        exitBlock = false;
    }

    /** A translated block ends at an instruction that set pc itself (mret, sret). */
    void retire(int retired) {
        instret += retired;
        pos = 0;
        exitBlock = false;
    }

    private void branch(long target, int i) {
        pc = target;
        instret += i + 1;
    }

    static long divu(long a, long b) { return b == 0 ? -1L : Long.divideUnsigned(a, b); }
    static long rem(long a, long b) { return b == 0 ? a : a % b; }
    static long remu(long a, long b) { return b == 0 ? a : Long.remainderUnsigned(a, b); }
    static long divw64(long a, long b) { return divw((int) a, (int) b); }
    static long divuw(long a, long b) { return (int) b == 0 ? -1L : (long) Integer.divideUnsigned((int) a, (int) b); }
    static long remw(long a, long b) { return (int) b == 0 ? (long) (int) a : (long) ((int) a % (int) b); }
    static long remuw(long a, long b) { return (int) b == 0 ? (long) (int) a : (long) Integer.remainderUnsigned((int) a, (int) b); }

    static long mulhu(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }

    static long mulhsu(long a, long b) {
        return Math.multiplyHigh(a, b) + ((b >> 63) & a);
    }

    static long div(long a, long b) {
        if (b == 0) return -1L;
        return a / b; // Long.MIN_VALUE / -1 is Long.MIN_VALUE in Java, as the spec wants
    }

    private static long divw(int a, int b) {
        if (b == 0) return -1L;
        return a / b;
    }

    private static final int RARE_NEXT = 0, RARE_END = 1, RARE_JUMPED = 2;

    /** Instructions outside the hot switch. Returns whether the block continues, ends, or jumped (pc set). */
    int executeRare(Insn in, long ipc) {
        final long[] x = this.x;
        switch (in.op) {
            case ECALL -> throw trap.set(Trap.ECALL_U + priv, 0);
            case EBREAK -> throw trap.set(Trap.BREAKPOINT, ipc);
            case MRET -> {
                if (priv < Priv.M) throw illegal(in);
                pc = csr.mret();
                return RARE_JUMPED;
            }
            case SRET -> {
                if (priv < Priv.S || (priv == Priv.S && (csr.mstatus & Csrs.MSTATUS_TSR) != 0)) throw illegal(in);
                pc = csr.sret();
                return RARE_JUMPED;
            }
            case WFI -> {
                if (priv == Priv.U || (priv == Priv.S && (csr.mstatus & Csrs.MSTATUS_TW) != 0)) throw illegal(in);
                waiting = true;
                // A WFI that will not wait (an enabled interrupt is pending but not taken: OpenSBI's secondary
                // harts poll their start state this way with an IPI left pending) spins like PAUSE.
                if (spinHook != null && (csr.mip & csr.mie) != 0) spinHook.run();
                return RARE_END;
            }
            case FENCE_I -> { return RARE_END; } // decoded code is kept coherent with every store already
            case PAUSE -> {
                if (spinHook != null) spinHook.run();
                return RARE_END;
            }
            case SFENCE_VMA -> {
                if (priv < Priv.S || (priv == Priv.S && (csr.mstatus & Csrs.MSTATUS_TVM) != 0)) throw illegal(in);
                flushTlb();
                return RARE_END;
            }
            case CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI -> {
                csr.execute(in);
                return RARE_END;
            }
            case LR_W -> {
                long a = x[in.rs1];
                if ((a & 3) != 0) throw trap.set(Trap.LOAD_MISALIGNED, a);
                long v = load32(a);
                reservation = physicalOf(a, Priv.LOAD, 4);
                x[in.rd] = v;
            }
            case LR_D -> {
                long a = x[in.rs1];
                if ((a & 7) != 0) throw trap.set(Trap.LOAD_MISALIGNED, a);
                long v = load64(a);
                reservation = physicalOf(a, Priv.LOAD, 8);
                x[in.rd] = v;
            }
            case SC_W, SC_D -> {
                long a = x[in.rs1];
                int size = in.op == Op.SC_W ? 4 : 8;
                if ((a & (size - 1)) != 0) throw trap.set(Trap.STORE_MISALIGNED, a);
                long pa = physicalOf(a, Priv.STORE, size);
                if (reservation == pa) {
                    if (size == 4) store32(a, x[in.rs2]);
                    else store64(a, x[in.rs2]);
                    x[in.rd] = 0;
                } else {
                    x[in.rd] = 1;
                }
                reservation = -1;
            }
            case AMOSWAP_W, AMOADD_W, AMOXOR_W, AMOAND_W, AMOOR_W, AMOMIN_W, AMOMAX_W, AMOMINU_W, AMOMAXU_W -> {
                long a = x[in.rs1];
                if ((a & 3) != 0) throw trap.set(Trap.STORE_MISALIGNED, a);
                physicalOf(a, Priv.STORE, 4); // an AMO faults as a store, before reading
                long old = load32(a);
                long src = x[in.rs2];
                store32(a, amo(in.op, old, (int) src));
                x[in.rd] = old;
            }
            case AMOSWAP_D, AMOADD_D, AMOXOR_D, AMOAND_D, AMOOR_D, AMOMIN_D, AMOMAX_D, AMOMINU_D, AMOMAXU_D -> {
                long a = x[in.rs1];
                if ((a & 7) != 0) throw trap.set(Trap.STORE_MISALIGNED, a);
                physicalOf(a, Priv.STORE, 8);
                long old = load64(a);
                store64(a, amo(in.op, old, x[in.rs2]));
                x[in.rd] = old;
            }
            case ILLEGAL -> throw illegal(in);
            default -> {
                if (in.op.has(Op.Flag.FP)) {
                    if (fp == null || (csr.mstatus & Csrs.MSTATUS_FS) == 0) throw illegal(in);
                    fp.execute(in);
                    return RARE_NEXT;
                }
                throw new IllegalStateException("no behaviour for " + in.op);
            }
        }
        return RARE_NEXT;
    }

    private static long amo(Op op, long old, long src) {
        return switch (op) {
            case AMOSWAP_W, AMOSWAP_D -> src;
            case AMOADD_W, AMOADD_D -> old + src;
            case AMOXOR_W, AMOXOR_D -> old ^ src;
            case AMOAND_W, AMOAND_D -> old & src;
            case AMOOR_W, AMOOR_D -> old | src;
            case AMOMIN_W -> Math.min((int) old, (int) src);
            case AMOMAX_W -> Math.max((int) old, (int) src);
            case AMOMINU_W -> Integer.compareUnsigned((int) old, (int) src) <= 0 ? old : src;
            case AMOMAXU_W -> Integer.compareUnsigned((int) old, (int) src) >= 0 ? old : src;
            case AMOMIN_D -> Math.min(old, src);
            case AMOMAX_D -> Math.max(old, src);
            case AMOMINU_D -> Long.compareUnsigned(old, src) <= 0 ? old : src;
            case AMOMAXU_D -> Long.compareUnsigned(old, src) >= 0 ? old : src;
            default -> throw new IllegalStateException(op.name());
        };
    }

    Trap illegal(Insn in) { return trap.set(Trap.ILLEGAL_INSN, in.raw & (in.len == 2 ? 0xffffL : 0xffffffffL)); }

    Trap raise(long cause, long tval) { return trap.set(cause, tval); }

    // ------------------------------------------------------------------ blocks

    private Block block(long pc) {
        long pa = fetchBare ? pc : fetchPa(pc);
        long off = pa - ramBase;
        if (Long.compareUnsigned(off, ramSize) < 0) {
            int idx = (int) (pa >>> 1) & ((1 << CACHE_BITS) - 1);
            Block b = cache[idx];
            if (b != null && b.pa == pa && b.gen == codeGen[(int) (off >>> Bus.PAGE_SHIFT)]) return b;
            b = decodeBlock(pc, pa);
            if (b.insns.length > 0 && b.gen >= 0) {
                cache[idx] = b;
                return b;
            }
            return b;
        }
        return decodeBlock(pc, pa);
    }

    /** Decodes from {@code pa} up to a block-ending instruction, the page end or {@link #MAX_BLOCK}. */
    private Block decodeBlock(long vpc, long pa) {
        Insn[] buf = new Insn[MAX_BLOCK];
        int n = 0, off = 0;
        long pageEnd = (pa | (Bus.PAGE_SIZE - 1)) + 1;
        while (n < MAX_BLOCK && pa + off < pageEnd) {
            int lo = bus.fetch16(pa + off);
            if (lo < 0) {
                if (n == 0) throw trap.set(Trap.INSN_ACCESS, vpc);
                break;
            }
            int word = lo;
            if (Decoder.length(lo) == 4) {
                if (pa + off + 2 >= pageEnd) {
                    if (n > 0) break;
                    // The instruction straddles a page: fetch its upper half through a separate translation.
                    long va2 = vpc + 2;
                    long pa2 = fetchBare ? va2 : fetchPa(va2);
                    int hi = bus.fetch16(pa2);
                    if (hi < 0) throw trap.set(Trap.INSN_ACCESS, va2);
                    return new Block(pa, -1, new Insn[] {Decoder.decode(lo | (hi << 16)).at(0)});
                }
                int hi = bus.fetch16(pa + off + 2);
                if (hi < 0) {
                    if (n == 0) throw trap.set(Trap.INSN_ACCESS, vpc);
                    break;
                }
                word = lo | (hi << 16);
            }
            if (n > 0 && !breakpoints.isEmpty() && breakpoints.contains(vpc + off)) break;
            Insn in = Decoder.decode(word).at(off);
            buf[n++] = in;
            off += in.len;
            if (in.op.endsBlock()) break;
        }
        Insn[] insns = java.util.Arrays.copyOf(buf, n);
        long roff = pa - ramBase;
        if (Long.compareUnsigned(roff, ramSize) < 0) {
            bus.markCode(roff, off);
            return new Block(pa, codeGen[(int) (roff >>> Bus.PAGE_SHIFT)], insns);
        }
        return new Block(pa, -1, insns);
    }

    /**
     * Sets the debugger's breakpoints. A run stops before executing an instruction at one of them, except
     * at the pc it starts from (so continuing from a breakpoint moves on).
     */
    public void setBreakpoints(java.util.Set<Long> pcs) {
        breakpoints = java.util.Set.copyOf(pcs);
        invalidateBlocks();
    }

    /** Turns block translation on or off (on by default; -Dlockstep.jit=false turns it off). Unobservable to the guest. */
    public void setTranslation(boolean on) {
        translate = on;
        invalidateBlocks();
    }

    /**
     * Translates a block after {@code runs} runs in the interpreter instead of {@link BlockCompiler#THRESHOLD}
     * (and turns translation on). Unobservable to the guest: tests that compare translated runs with
     * interpreted ones translate almost everything this way.
     */
    public void translateAfter(int runs) {
        if (runs < 1) throw new IllegalArgumentException("runs must be at least 1: " + runs);
        translateAfter = runs;
        setTranslation(true);
    }

    private int translateAfter = BlockCompiler.THRESHOLD;

    /** The next run does not stop at a breakpoint at the current pc. */
    public void resumeFromBreakpoint() { resumeFrom = pc; }

    /** Drops every decoded block (after a restore; blocks are a cache, never state). */
    public void invalidateBlocks() { java.util.Arrays.fill(cache, null); }

    // ------------------------------------------------------------------ memory

    long load8(long va) {
        long pa = loadBare ? va : loadPa(va, 1);
        long off = pa - ramBase;
        if (Long.compareUnsigned(off, ramSize) < 0) return ram[(int) off];
        return loadSlow(va, pa, 1);
    }

    long load16(long va) {
        if ((va & 1) != 0) return misalignedLoad(va, 2);
        long pa = loadBare ? va : loadPa(va, 2);
        long off = pa - ramBase;
        if (Long.compareUnsigned(off, ramLast2) <= 0) return (short) LE16.get(ram, (int) off);
        return loadSlow(va, pa, 2);
    }

    long load32(long va) {
        if ((va & 3) != 0) return misalignedLoad(va, 4);
        long pa = loadBare ? va : loadPa(va, 4);
        long off = pa - ramBase;
        if (Long.compareUnsigned(off, ramLast4) <= 0) return (int) LE32.get(ram, (int) off);
        return loadSlow(va, pa, 4);
    }

    long load64(long va) {
        if ((va & 7) != 0) return misalignedLoad(va, 8);
        long pa = loadBare ? va : loadPa(va, 8);
        long off = pa - ramBase;
        if (Long.compareUnsigned(off, ramLast8) <= 0) return (long) LE64.get(ram, (int) off);
        return loadSlow(va, pa, 8);
    }

    void store8(long va, long v) {
        long pa = dataBare ? va : storePa(va, 1);
        long off = pa - ramBase;
        if (Long.compareUnsigned(off, ramSize) < 0) {
            int page = (int) (off >>> Bus.PAGE_SHIFT);
            stamps[page] = epoch;
            ram[(int) off] = (byte) v;
            if (slow[page] != 0 && bus.afterRamStore(off, 1)) exitBlock = true;
        } else {
            storeSlow(va, pa, 1, v);
        }
    }

    void store16(long va, long v) {
        if ((va & 1) != 0) {
            misalignedStore(va, 2, v);
            return;
        }
        long pa = dataBare ? va : storePa(va, 2);
        long off = pa - ramBase;
        if (Long.compareUnsigned(off, ramLast2) <= 0) {
            int page = (int) (off >>> Bus.PAGE_SHIFT);
            stamps[page] = epoch;
            LE16.set(ram, (int) off, (short) v);
            if (slow[page] != 0 && bus.afterRamStore(off, 2)) exitBlock = true;
        } else {
            storeSlow(va, pa, 2, v);
        }
    }

    void store32(long va, long v) {
        if ((va & 3) != 0) {
            misalignedStore(va, 4, v);
            return;
        }
        long pa = dataBare ? va : storePa(va, 4);
        long off = pa - ramBase;
        if (Long.compareUnsigned(off, ramLast4) <= 0) {
            int page = (int) (off >>> Bus.PAGE_SHIFT);
            stamps[page] = epoch;
            LE32.set(ram, (int) off, (int) v);
            if (slow[page] != 0 && bus.afterRamStore(off, 4)) exitBlock = true;
        } else {
            storeSlow(va, pa, 4, v);
        }
    }

    void store64(long va, long v) {
        if ((va & 7) != 0) {
            misalignedStore(va, 8, v);
            return;
        }
        long pa = dataBare ? va : storePa(va, 8);
        long off = pa - ramBase;
        if (Long.compareUnsigned(off, ramLast8) <= 0) {
            int page = (int) (off >>> Bus.PAGE_SHIFT);
            stamps[page] = epoch;
            LE64.set(ram, (int) off, v);
            if (slow[page] != 0 && bus.afterRamStore(off, 8)) exitBlock = true;
        } else {
            storeSlow(va, pa, 8, v);
        }
    }

    /** Misaligned accesses are done a byte at a time, each translated, as the spec permits. */
    private long misalignedLoad(long va, int size) {
        if (triggers.onData()) triggers.checkAccess(va, size, Triggers.LOAD); // before any byte's fault
        // Translate every byte first so a fault leaves nothing half done; the fault names the first bad byte.
        long v = 0;
        for (int k = size - 1; k >= 0; k--) v = (v << 8) | (load8(va + k) & 0xff);
        return size == 8 ? v : (v << (64 - 8 * size)) >> (64 - 8 * size);
    }

    private void misalignedStore(long va, int size, long v) {
        if (triggers.onData()) triggers.checkAccess(va, size, Triggers.STORE);
        for (int k = 0; k < size; k++) {
            if (!dataBare) storePa(va + k, 1);
        }
        for (int k = 0; k < size; k++) store8(va + k, v >>> (8 * k));
    }

    private long loadSlow(long va, long pa, int size) {
        exitBlock = true; // a device read can change interrupt state
        try {
            return bus.read(pa, size);
        } catch (Bus.BusFault e) {
            throw trap.set(Trap.LOAD_ACCESS, va);
        }
    }

    private void storeSlow(long va, long pa, int size, long v) {
        exitBlock = true;
        try {
            bus.write(pa, size, v);
        } catch (Bus.BusFault e) {
            throw trap.set(Trap.STORE_ACCESS, va);
        }
    }

    private long loadPa(long va, int size) {
        long tag = (va & ~0xfffL) | ctxLoad;
        int i = (int) (va >>> 12) & (TLB_SIZE - 1);
        if (tlbTagR[i] == tag) return tlbPaR[i] | (va & 0xfff);
        return loadMiss(va, size);
    }

    private long storePa(long va, int size) {
        long tag = (va & ~0xfffL) | ctxData;
        int i = (int) (va >>> 12) & (TLB_SIZE - 1);
        if (tlbTagW[i] == tag) return tlbPaW[i] | (va & 0xfff);
        return storeMiss(va, size);
    }

    /**
     * A TLB miss, and every access while a load or store trigger is armed: a trigger fires before any fault.
     * Every load while the debugger watches reads: the load's own translation, exactly as it would have
     * been (bare, a TLB hit, or a walk that fills the TLB: entries are machine state), then the watch.
     */
    private long loadMiss(long va, int size) {
        if (triggers.onData()) triggers.checkAccess(va, size, Triggers.LOAD);
        if (readWatch == null) return mmu.translate(va, Priv.LOAD);
        long pa;
        if (dataBare) {
            pa = va;
        } else {
            long tag = (va & ~0xfffL) | ctxData;
            int i = (int) (va >>> 12) & (TLB_SIZE - 1);
            pa = tlbTagR[i] == tag ? tlbPaR[i] | (va & 0xfff) : mmu.translate(va, Priv.LOAD);
        }
        if (readWatch.onRead(pa, size)) throw trap.set(Trap.WATCH_STOP, va);
        return pa;
    }

    private long storeMiss(long va, int size) {
        if (triggers.onData()) triggers.checkAccess(va, size, Triggers.STORE);
        return mmu.translate(va, Priv.STORE);
    }

    private long fetchPa(long va) {
        long tag = (va & ~0xfffL) | ctxFetch;
        int i = (int) (va >>> 12) & (TLB_SIZE - 1);
        if (tlbTagX[i] == tag) return tlbPaX[i] | (va & 0xfff);
        return mmu.translate(va, Priv.FETCH);
    }

    /** The physical address of a data access of {@code size} bytes, faulting (or triggering) as that access would. */
    long physicalOf(long va, int access, int size) {
        if (dataBare) return va;
        return access == Priv.STORE ? storePa(va, size) : loadPa(va, size);
    }

    void tlbInsert(int access, long va, long pa) {
        if (access != Priv.FETCH && triggers.onData()) return; // see CTX_WATCHED
        int i = (int) (va >>> 12) & (TLB_SIZE - 1);
        long page = pa & ~0xfffL;
        switch (access) {
            case Priv.LOAD -> { tlbTagR[i] = (va & ~0xfffL) | ctxData; tlbPaR[i] = page; }
            case Priv.STORE -> { tlbTagW[i] = (va & ~0xfffL) | ctxData; tlbPaW[i] = page; }
            default -> { tlbTagX[i] = (va & ~0xfffL) | ctxFetch; tlbPaX[i] = page; }
        }
    }

    /** An empty TLB entry has a tag no page|context can produce (context values never reach 0xfff). */
    void flushTlb() {
        java.util.Arrays.fill(tlbTagR, 0xfffL);
        java.util.Arrays.fill(tlbTagW, 0xfffL);
        java.util.Arrays.fill(tlbTagX, 0xfffL);
    }

    /** Recomputes what translation and protection apply, after a change of privilege, mstatus, satp or PMP. */
    void updateTranslation() {
        int dataPriv = (csr.mstatus & Csrs.MSTATUS_MPRV) != 0 && priv == Priv.M ? (int) ((csr.mstatus >>> 11) & 3) : priv;
        boolean paging = (csr.satp >>> 60) != 0;
        boolean pmpM = mmu.pmpLocksMachine();
        boolean pmpAny = mmu.pmpActive();
        boolean watched = triggers.onData();
        dataBare = !watched && (dataPriv == Priv.M ? !pmpM : !paging && !pmpAny);
        fetchBare = priv == Priv.M ? !pmpM : !paging && !pmpAny;
        long sumMxr = (csr.mstatus >>> 18) & 3;
        ctxData = 1 | dataPriv << 1 | sumMxr << 3 | (watched ? CTX_WATCHED : 0);
        loadBare = dataBare && readWatch == null;
        ctxLoad = readWatch == null ? ctxData : ctxData | CTX_READS_WATCHED;
        ctxFetch = 1 | priv << 1 | sumMxr << 3;
        this.epoch = bus.epoch();
    }

    // ------------------------------------------------------------------ traps and interrupts

    void takeTrap(long cause, long tval, long epc) {
        if (cause == Trap.WATCH_STOP) { // nothing happened to the guest: it stands before the reading instruction
            pc = epc;
            return;
        }
        waiting = false;
        if (instret == lastTrapInstret) {
            if (++trapsWithoutRetiring >= STUCK_TRAPS) {
                stuck = true;
                attention = true;
            }
        } else {
            lastTrapInstret = instret;
            trapsWithoutRetiring = 0;
        }
        boolean interrupt = cause < 0;
        int code = (int) (cause & 63);
        boolean toS = priv <= Priv.S && ((interrupt ? csr.mideleg : csr.medeleg) >>> code & 1) != 0;
        if (toS) {
            csr.sepc = epc;
            csr.scause = cause;
            csr.stval = tval;
            long s = csr.mstatus;
            s = (s & ~Csrs.MSTATUS_SPIE) | ((s & Csrs.MSTATUS_SIE) << 4);
            s = (s & ~Csrs.MSTATUS_SPP) | ((long) priv << 8);
            s &= ~Csrs.MSTATUS_SIE;
            csr.mstatus = s;
            priv = Priv.S;
            pc = (csr.stvec & ~3L) + ((csr.stvec & 1) != 0 && interrupt ? 4L * code : 0);
        } else {
            csr.mepc = epc;
            csr.mcause = cause;
            csr.mtval = tval;
            long s = csr.mstatus;
            s = (s & ~Csrs.MSTATUS_MPIE) | ((s & Csrs.MSTATUS_MIE) << 4);
            s = (s & ~Csrs.MSTATUS_MPP) | ((long) priv << 11);
            s &= ~Csrs.MSTATUS_MIE;
            csr.mstatus = s;
            triggers.trapToM();
            priv = Priv.M;
            pc = (csr.mtvec & ~3L) + ((csr.mtvec & 1) != 0 && interrupt ? 4L * code : 0);
        }
        updateTranslation();
    }

    /** Interrupt priority order of the privileged spec: MEI, MSI, MTI, SEI, SSI, STI. */
    private static final int[] PRIORITY = {11, 3, 7, 9, 1, 5};

    private void checkInterrupts() {
        long pending = csr.mip & csr.mie;
        if (pending == 0) return;
        long m = pending & ~csr.mideleg;
        boolean mEnabled = priv < Priv.M || (csr.mstatus & Csrs.MSTATUS_MIE) != 0;
        long s = pending & csr.mideleg;
        boolean sEnabled = priv < Priv.S || (priv == Priv.S && (csr.mstatus & Csrs.MSTATUS_SIE) != 0);
        long take = (mEnabled ? m : 0) | (sEnabled ? s : 0);
        if (take == 0) return;
        for (int code : PRIORITY) {
            if ((take >>> code & 1) != 0) {
                takeTrap(Long.MIN_VALUE | code, 0, pc);
                return;
            }
        }
    }

    /** Recomputes MTIP and STIP from guest time and the next instruction number at which one rises. */
    public void updateTimers() {
        long now = instretNow();
        long t = clock.ticks(now);
        long deadline = Long.MAX_VALUE;
        boolean mtip = Long.compareUnsigned(t, mtimecmp) >= 0;
        csr.hw(Csrs.MIP_MTIP, mtip);
        if (!mtip) deadline = clock.instretWhen(mtimecmp, now);
        boolean stip = csr.sstcEnabled() && Long.compareUnsigned(t, csr.stimecmp) >= 0;
        csr.hw(Csrs.MIP_STIP, stip);
        if (csr.sstcEnabled() && !stip) deadline = Math.min(deadline, clock.instretWhen(csr.stimecmp, now));
        timerDeadline = deadline;
        exitBlock = true;
    }

    /** Sets or clears a hardware interrupt-pending bit (MSIP from the CLINT, MEIP/SEIP from the PLIC). */
    public void setPending(long bit, boolean level) {
        csr.hw(bit, level);
        exitBlock = true;
    }

    // ------------------------------------------------------------------ state

    public long pc() { return pc; }
    public void setPc(long pc) { this.pc = pc; }
    public long x(int i) { return x[i]; }
    public void setX(int i, long v) { if (i != 0) x[i] = v; }
    public long f(int i) { return f[i]; }
    public int priv() { return priv; }
    public long instret() { return instret; }

    /** Blocks the run loop has dispatched (a block looping on itself counts once), for --stats. */
    public long dispatches() { return dispatches; }
    public boolean waiting() { return waiting; }

    /** Waits in WFI with an enabled interrupt pending: it would leave WFI on its next turn. */
    public boolean woken() { return waiting && (csr.mip & csr.mie) != 0; }
    public long mtimecmp() { return mtimecmp; }

    /** Starts a new dirty-page epoch (see {@link Bus#syncDirty}); the hart's cached copy follows. */
    public int syncDirty() {
        int since = bus.syncDirty();
        epoch = bus.epoch();
        return since;
    }

    /** Follows the bus to the epoch another hart's {@link #syncDirty} started. */
    public void followEpoch() { epoch = bus.epoch(); }

    public void setMtimecmp(long v) {
        mtimecmp = v;
        updateTimers();
    }

    /** Reads a CSR as the debugger sees it (no privilege checks, no side effects). */
    public long readCsr(int number) { return csr.peek(number); }

    /** For debuggers: the physical address of a data access to {@code va} now, or -1; never changes the guest. */
    public long debugTranslate(long va) { return mmu.peek(va); }

    public void attachFpu(FpState fp) {
        this.fp = fp;
        csr.misa |= Csrs.MISA_F | Csrs.MISA_D;
    }

    public void save(StateWriter w) {
        // x[32] is the write sink for x0, not state: which instructions wrote it depends on translation.
        w.longs(java.util.Arrays.copyOf(x, 32)).longs(f).i64(pc).i32(priv).i64(instret).bool(waiting).i64(reservation).i64(mtimecmp);
        csr.save(w);
        w.longs(tlbTagR).longs(tlbPaR).longs(tlbTagW).longs(tlbPaW).longs(tlbTagX).longs(tlbPaX);
    }

    public void restore(StateReader r) {
        long[] regs = new long[32];
        r.longs(regs);
        System.arraycopy(regs, 0, x, 0, 32);
        x[Insn.SINK] = 0;
        r.longs(f);
        pc = r.i64();
        priv = r.i32();
        instret = r.i64();
        waiting = r.bool();
        reservation = r.i64();
        mtimecmp = r.i64();
        csr.restore(r);
        triggers.reset(); // a snapshot's trigger section, if any, follows the harts (see Machine.coreState)
        r.longs(tlbTagR);
        r.longs(tlbPaR);
        r.longs(tlbTagW);
        r.longs(tlbPaW);
        r.longs(tlbTagX);
        r.longs(tlbPaX);
        invalidateBlocks();
        updateTranslation();
        updateTimers();
    }
}
