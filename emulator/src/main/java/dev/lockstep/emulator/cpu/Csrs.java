// The control and status registers of a hart: their fields, access rules, and the trap-return instructions.
package dev.lockstep.emulator.cpu;

import dev.lockstep.emulator.isa.Insn;
import dev.lockstep.emulator.isa.Op;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;

/**
 * CSRs of the privileged spec for M, S and U modes with Sstc and PMP, and the trigger CSRs ({@link Triggers}). Access checks follow the spec's
 * CSR address convention (bits 9:8 lowest privilege, bits 11:10 = 3 read-only); a CSR that does not
 * exist, or is not accessible, raises illegal instruction. Values are WARL as QEMU virt implements them.
 */
final class Csrs {
    static final long MSTATUS_SIE = 1L << 1, MSTATUS_MIE = 1L << 3, MSTATUS_SPIE = 1L << 5, MSTATUS_MPIE = 1L << 7,
            MSTATUS_SPP = 1L << 8, MSTATUS_MPP = 3L << 11, MSTATUS_FS = 3L << 13, MSTATUS_MPRV = 1L << 17,
            MSTATUS_SUM = 1L << 18, MSTATUS_MXR = 1L << 19, MSTATUS_TVM = 1L << 20, MSTATUS_TW = 1L << 21,
            MSTATUS_TSR = 1L << 22, MSTATUS_SD = 1L << 63;
    /** UXL = SXL = 2 (64-bit), read-only. */
    static final long MSTATUS_XL = (2L << 32) | (2L << 34);
    static final long MSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP
            | MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR;
    static final long SSTATUS_MASK = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR
            | (3L << 32) | MSTATUS_SD;
    static final long MIP_SSIP = 1L << 1, MIP_MSIP = 1L << 3, MIP_STIP = 1L << 5, MIP_MTIP = 1L << 7,
            MIP_SEIP = 1L << 9, MIP_MEIP = 1L << 11;
    static final long S_INTERRUPTS = MIP_SSIP | MIP_STIP | MIP_SEIP;
    static final long MIE_WRITABLE = 0xaaaL;
    /** Exceptions QEMU lets M delegate: all but ecall from M (11) and the reserved 10 and 14. */
    static final long MEDELEG_WRITABLE = 0xb3ffL;
    static final long MISA_F = 1L << 5, MISA_D = 1L << 3;
    static final long MISA_BASE = (2L << 62) | (1L << 0) | (1L << 2) | (1L << 8) | (1L << 12) | (1L << 18) | (1L << 20);
    static final long MENVCFG_STCE = 1L << 63;
    static final int PMP_ENTRIES = 16;

    private final Hart hart;
    long mstatus = MSTATUS_XL;
    long misa = MISA_BASE;
    long medeleg, mideleg, mie;
    /** mip = software-written bits | hardware-driven bits; kept in sync by {@link #hw} and writes. */
    long mip, mipSw, mipHw;
    long mtvec, mcounteren, mscratch, mepc, mcause, mtval, menvcfg, mcountinhibit;
    long stvec, scounteren, sscratch, sepc, scause, stval, satp, senvcfg, stimecmp = -1;
    long instretOffset, cycleOffset;
    int fcsr;
    /** mhpmcounter3..18 and mhpmevent3..18 hold what is written (QEMU virt has 16 that do not count by default). */
    static final int HPM_FIRST = 3, HPM_LAST = 18;
    final long[] mhpmcounter = new long[32], mhpmevent = new long[32];
    final byte[] pmpcfg = new byte[PMP_ENTRIES];
    final long[] pmpaddr = new long[PMP_ENTRIES];

    Csrs(Hart hart) { this.hart = hart; }

    boolean sstcEnabled() { return (menvcfg & MENVCFG_STCE) != 0; }

    void hw(long bit, boolean level) {
        mipHw = level ? mipHw | bit : mipHw & ~bit;
        mip = mipSw | mipHw;
    }

    /** Executes a Zicsr instruction. */
    void execute(Insn in) {
        int num = (int) in.imm;
        Op op = in.op;
        boolean immediate = op == Op.CSRRWI || op == Op.CSRRSI || op == Op.CSRRCI;
        long src = immediate ? in.rs1 : hart.x[in.rs1];
        boolean swap = op == Op.CSRRW || op == Op.CSRRWI;
        boolean write = swap || in.rs1 != 0;
        if (hart.priv < ((num >>> 8) & 3)) throw hart.illegal(in);
        if (write && (num >>> 10) == 3) throw hart.illegal(in);
        long old = read(num, in);
        if (write) {
            long nv = swap ? src : (op == Op.CSRRS || op == Op.CSRRSI) ? old | src : old & ~src;
            write(num, nv, in);
        }
        hart.x[in.rd] = old;
    }

    private void counterAccess(int bit, Insn in) {
        if (hart.priv < Priv.M && (mcounteren >>> bit & 1) == 0) throw hart.illegal(in);
        if (hart.priv == Priv.U && (scounteren >>> bit & 1) == 0) throw hart.illegal(in);
    }

    private void fpAccess(Insn in) {
        if (in == null) return; // the debugger's peek: no access check
        if (hart.fp == null || (mstatus & MSTATUS_FS) == 0) throw hart.illegal(in);
    }

    long instretCsr() { return hart.instretNow() + instretOffset; }

    /** A CSR's value for the debugger: no checks; -1 for one that does not exist. */
    long peek(int num) {
        try {
            return read(num, null);
        } catch (Trap t) {
            return -1;
        }
    }

    private long read(int num, Insn in) {
        switch (num) {
            case 0x001: fpAccess(in); return fcsr & 0x1f;
            case 0x002: fpAccess(in); return (fcsr >>> 5) & 7;
            case 0x003: fpAccess(in); return fcsr & 0xff;
            case 0xc00: if (in != null) counterAccess(0, in); return hart.instretNow() + cycleOffset;
            case 0xc01: if (in != null) counterAccess(1, in); return hart.clock.ticks(hart.instretNow());
            case 0xc02: if (in != null) counterAccess(2, in); return instretCsr();
            case 0x100: return sstatus();
            case 0x104: return mie & mideleg;
            case 0x105: return stvec;
            case 0x106: return scounteren;
            case 0x10a: return senvcfg;
            case 0x140: return sscratch;
            case 0x141: return sepc;
            case 0x142: return scause;
            case 0x143: return stval;
            case 0x144: return mip & mideleg;
            case 0x14d:
                if (in != null && hart.priv < Priv.M && (!sstcEnabled() || (mcounteren & 2) == 0)) throw hart.illegal(in);
                return stimecmp;
            case 0x180:
                if (in != null && hart.priv == Priv.S && (mstatus & MSTATUS_TVM) != 0) throw hart.illegal(in);
                return satp;
            case 0xf11, 0xf12, 0xf13, 0xf15: return 0;
            case 0xf14: return hart.id;
            case 0x300: return mstatusRead();
            case 0x301: return misa;
            case 0x302: return medeleg;
            case 0x303: return mideleg;
            case 0x304: return mie;
            case 0x305: return mtvec;
            case 0x306: return mcounteren;
            case 0x30a: return menvcfg;
            case 0x320: return mcountinhibit;
            case 0x340: return mscratch;
            case 0x341: return mepc;
            case 0x342: return mcause;
            case 0x343: return mtval;
            case 0x344: return mip;
            case 0xb00: return hart.instretNow() + cycleOffset;
            case 0xb02: return instretCsr();
            default:
                break;
        }
        if (num >= 0xc03 && num <= 0xc1f) {
            if (in != null) counterAccess(num - 0xc00, in);
            return mhpmcounter[num - 0xc00];
        }
        if (num >= 0xb03 && num <= 0xb1f) return mhpmcounter[num - 0xb00];
        if (num >= 0x323 && num <= 0x33f) return mhpmevent[num - 0x320];
        if (num >= 0x3a0 && num < 0x3a0 + PMP_ENTRIES / 4 && (num & 1) == 0) {
            long v = 0;
            int first = (num - 0x3a0) * 4;
            for (int k = 7; k >= 0; k--) v = (v << 8) | (pmpcfg[first + k] & 0xff);
            return v;
        }
        if (num >= 0x3b0 && num < 0x3b0 + PMP_ENTRIES) return pmpaddr[num - 0x3b0];
        if (Triggers.isTriggerCsr(num)) return hart.triggers.read(num);
        if (in == null) throw hart.raise(Trap.ILLEGAL_INSN, 0);
        throw hart.illegal(in);
    }

    private long mstatusRead() {
        long s = mstatus | MSTATUS_XL;
        if ((s & MSTATUS_FS) == MSTATUS_FS) s |= MSTATUS_SD;
        return s;
    }

    private long sstatus() { return mstatusRead() & SSTATUS_MASK; }

    private void write(int num, long v, Insn in) {
        switch (num) {
            case 0x001 -> { fcsr = (fcsr & ~0x1f) | (int) (v & 0x1f); fpDirty(); }
            case 0x002 -> { fcsr = (fcsr & 0x1f) | (int) ((v & 7) << 5); fpDirty(); }
            case 0x003 -> { fcsr = (int) (v & 0xff); fpDirty(); }
            case 0x100 -> setMstatus((mstatus & ~SSTATUS_MASK) | (v & SSTATUS_MASK));
            case 0x104 -> mie = (mie & ~mideleg) | (v & mideleg & MIE_WRITABLE);
            case 0x105 -> { if ((v & 3) < 2) stvec = v; }
            case 0x106 -> scounteren = v & 0xffffffffL;
            case 0x10a -> senvcfg = v & 1;
            case 0x140 -> sscratch = v;
            case 0x141 -> sepc = v & ~1L;
            case 0x142 -> scause = v;
            case 0x143 -> stval = v;
            case 0x144 -> setMipSw((mipSw & ~(mideleg & MIP_SSIP)) | (v & mideleg & MIP_SSIP));
            case 0x14d -> { stimecmp = v; hart.updateTimers(); }
            case 0x180 -> {
                long mode = v >>> 60;
                if (mode == 0 || mode == 8 || mode == 9) {
                    satp = v & ((0xfL << 60) | (0xffffL << 44) | ((1L << 44) - 1));
                    hart.flushTlb();
                    hart.updateTranslation();
                }
            }
            case 0x300 -> setMstatus(v);
            case 0x301 -> { } // misa is read-only here: extensions cannot be switched off
            case 0x302 -> medeleg = v & MEDELEG_WRITABLE;
            case 0x303 -> mideleg = v & S_INTERRUPTS;
            case 0x304 -> mie = v & MIE_WRITABLE;
            case 0x305 -> { if ((v & 3) < 2) mtvec = v; }
            case 0x306 -> mcounteren = v & 0xffffffffL;
            case 0x30a -> { menvcfg = v & (MENVCFG_STCE | 1); hart.updateTimers(); }
            case 0x320 -> mcountinhibit = v & 0xfffffffdL;
            case 0x340 -> mscratch = v;
            case 0x341 -> mepc = v & ~1L;
            case 0x342 -> mcause = v;
            case 0x343 -> mtval = v;
            case 0x344 -> {
                long writable = sstcEnabled() ? MIP_SSIP | MIP_SEIP : S_INTERRUPTS;
                setMipSw((mipSw & ~writable) | (v & writable));
            }
            case 0xb00 -> cycleOffset = v - (hart.instretNow() + 1);
            case 0xb02 -> instretOffset = v - (hart.instretNow() + 1);
            default -> {
                if (num >= 0xb03 && num <= 0xb1f) {
                    if (num - 0xb00 <= HPM_LAST) mhpmcounter[num - 0xb00] = v;
                    return;
                }
                if (num >= 0x323 && num <= 0x33f) {
                    if (num - 0x320 <= HPM_LAST) mhpmevent[num - 0x320] = v;
                    return;
                }
                if (num >= 0x3a0 && num < 0x3a0 + PMP_ENTRIES / 4) {
                    int first = (num - 0x3a0) * 4;
                    for (int k = 0; k < 8; k++) {
                        if ((pmpcfg[first + k] & 0x80) != 0) continue; // locked
                        byte c = (byte) (v >>> (8 * k));
                        if ((c & 3) == 2) c &= ~3; // W without R is reserved: keep it inaccessible
                        pmpcfg[first + k] = (byte) (c & 0x9f);
                    }
                    pmpChanged();
                    return;
                }
                if (num >= 0x3b0 && num < 0x3b0 + PMP_ENTRIES) {
                    int i = num - 0x3b0;
                    if ((pmpcfg[i] & 0x80) != 0) return;
                    if (i + 1 < PMP_ENTRIES && (pmpcfg[i + 1] & 0x80) != 0 && ((pmpcfg[i + 1] >>> 3) & 3) == 1) return;
                    pmpaddr[i] = v & ((1L << 54) - 1);
                    pmpChanged();
                    return;
                }
                if (Triggers.isTriggerCsr(num)) {
                    hart.triggers.write(num, v);
                    return;
                }
                throw hart.illegal(in);
            }
        }
    }

    private void pmpChanged() {
        hart.mmu.pmpChanged();
        hart.flushTlb();
        hart.updateTranslation();
    }

    private void setMipSw(long v) {
        mipSw = v;
        mip = mipSw | mipHw;
    }

    private void setMstatus(long v) {
        long nv = (mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
        if (((nv >>> 11) & 3) == 2) nv = (nv & ~MSTATUS_MPP) | (mstatus & MSTATUS_MPP); // MPP=2 is reserved
        if (hart.fp == null) nv &= ~MSTATUS_FS;
        mstatus = nv | MSTATUS_XL;
        hart.updateTranslation();
    }

    void fpDirty() { mstatus |= MSTATUS_FS; }

    long mret() {
        long s = mstatus;
        int mpp = (int) ((s >>> 11) & 3);
        s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) >>> 4);
        s |= MSTATUS_MPIE;
        s &= ~MSTATUS_MPP;
        if (mpp != Priv.M) s &= ~MSTATUS_MPRV;
        mstatus = s;
        hart.triggers.mret();
        hart.priv = mpp;
        hart.updateTranslation();
        return mepc;
    }

    long sret() {
        long s = mstatus;
        int spp = (int) ((s >>> 8) & 1);
        s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) >>> 4);
        s |= MSTATUS_SPIE;
        s &= ~MSTATUS_SPP;
        s &= ~MSTATUS_MPRV;
        mstatus = s;
        hart.priv = spp;
        hart.updateTranslation();
        return sepc;
    }

    void save(StateWriter w) {
        w.i64(mstatus).i64(misa).i64(medeleg).i64(mideleg).i64(mie).i64(mipSw).i64(mipHw).i64(mtvec).i64(mcounteren)
                .i64(mscratch).i64(mepc).i64(mcause).i64(mtval).i64(menvcfg).i64(mcountinhibit).i64(stvec)
                .i64(scounteren).i64(sscratch).i64(sepc).i64(scause).i64(stval).i64(satp).i64(senvcfg).i64(stimecmp)
                .i64(instretOffset).i64(cycleOffset).i32(fcsr).bytes(pmpcfg).longs(pmpaddr).longs(mhpmcounter).longs(mhpmevent);
    }

    void restore(StateReader r) {
        mstatus = r.i64(); misa = r.i64(); medeleg = r.i64(); mideleg = r.i64(); mie = r.i64(); mipSw = r.i64();
        mipHw = r.i64(); mtvec = r.i64(); mcounteren = r.i64(); mscratch = r.i64(); mepc = r.i64(); mcause = r.i64();
        mtval = r.i64(); menvcfg = r.i64(); mcountinhibit = r.i64(); stvec = r.i64(); scounteren = r.i64();
        sscratch = r.i64(); sepc = r.i64(); scause = r.i64(); stval = r.i64(); satp = r.i64(); senvcfg = r.i64();
        stimecmp = r.i64(); instretOffset = r.i64(); cycleOffset = r.i64(); fcsr = r.i32();
        byte[] cfg = r.bytes();
        System.arraycopy(cfg, 0, pmpcfg, 0, Math.min(cfg.length, pmpcfg.length));
        r.longs(pmpaddr);
        r.longs(mhpmcounter);
        r.longs(mhpmevent);
        mip = mipSw | mipHw;
        hart.mmu.pmpChanged();
    }
}
