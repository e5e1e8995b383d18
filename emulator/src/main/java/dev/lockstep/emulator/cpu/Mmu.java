// Address translation (Sv39, Sv48) and physical memory protection: the slow path behind the hart's TLBs.
package dev.lockstep.emulator.cpu;

import dev.lockstep.emulator.memory.Bus;

/**
 * Page-table walks with hardware A/D updates (as QEMU does), SUM and MXR, canonical-address checks,
 * and PMP checks on the walk's own accesses and on the final address. A successful translation whose
 * whole page passes PMP is inserted into the hart's TLB for that access kind and privilege context.
 */
final class Mmu {
    private static final long PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;
    private final Hart hart;
    private boolean pmpActive, pmpLocksMachine;

    Mmu(Hart hart) { this.hart = hart; }

    boolean pmpActive() { return pmpActive; }

    boolean pmpLocksMachine() { return pmpLocksMachine; }

    void pmpChanged() {
        boolean any = false, locked = false;
        for (byte c : hart.csr.pmpcfg) {
            if (((c >>> 3) & 3) != 0) {
                any = true;
                if ((c & 0x80) != 0) locked = true;
            }
        }
        pmpActive = any;
        pmpLocksMachine = locked;
    }

    private static long pageFault(int access) {
        return access == Priv.FETCH ? Trap.INSN_PAGE_FAULT : access == Priv.LOAD ? Trap.LOAD_PAGE_FAULT : Trap.STORE_PAGE_FAULT;
    }

    private static long accessFault(int access) {
        return access == Priv.FETCH ? Trap.INSN_ACCESS : access == Priv.LOAD ? Trap.LOAD_ACCESS : Trap.STORE_ACCESS;
    }

    /** Translates {@code va} for {@code access}, raising the spec's fault, and fills the TLB. */
    long translate(long va, int access) {
        Csrs c = hart.csr;
        int priv = access == Priv.FETCH ? hart.priv
                : (c.mstatus & Csrs.MSTATUS_MPRV) != 0 && hart.priv == Priv.M ? (int) ((c.mstatus >>> 11) & 3) : hart.priv;
        long mode = c.satp >>> 60;
        long pa;
        if (priv == Priv.M || mode == 0) {
            pa = va;
        } else {
            pa = walk(va, access, priv, mode == 8 ? 3 : 4);
        }
        if (!pmpAllows(pa, 1, access, priv)) throw hart.raise(accessFault(access), va);
        long page = pa & ~0xfffL;
        if (pmpAllows(page, Bus.PAGE_SIZE, access, priv)) hart.tlbInsert(access, va, pa);
        return pa;
    }

    private long walk(long va, int access, int priv, int levels) {
        Csrs c = hart.csr;
        int vaBits = 12 + 9 * levels;
        if ((va << (64 - vaBits)) >> (64 - vaBits) != va) throw hart.raise(pageFault(access), va);
        long a = (c.satp & ((1L << 44) - 1)) << 12;
        boolean sum = (c.mstatus & Csrs.MSTATUS_SUM) != 0, mxr = (c.mstatus & Csrs.MSTATUS_MXR) != 0;
        for (int level = levels - 1; level >= 0; level--) {
            long pteAddr = a + ((va >>> (12 + 9 * level)) & 511) * 8;
            if (!pmpAllows(pteAddr, 8, Priv.LOAD, Priv.S)) throw hart.raise(accessFault(access), va);
            long pte;
            try {
                pte = hart.bus.isRam(pteAddr, 8) ? hart.bus.read(pteAddr, 8) : raiseBus();
            } catch (Bus.BusFault e) {
                throw hart.raise(accessFault(access), va);
            }
            if ((pte & PTE_V) == 0 || ((pte & PTE_R) == 0 && (pte & PTE_W) != 0) || (pte >>> 54) != 0) {
                throw hart.raise(pageFault(access), va);
            }
            long ppn = (pte >>> 10) & ((1L << 44) - 1);
            if ((pte & (PTE_R | PTE_X)) == 0) {
                if (level == 0 || (pte & (PTE_A | PTE_D | PTE_U)) != 0) throw hart.raise(pageFault(access), va);
                a = ppn << 12;
                continue;
            }
            boolean user = (pte & PTE_U) != 0;
            boolean ok = switch (access) {
                case Priv.FETCH -> (pte & PTE_X) != 0 && (priv == Priv.U ? user : !user);
                case Priv.LOAD -> ((pte & PTE_R) != 0 || (mxr && (pte & PTE_X) != 0)) && (priv == Priv.U ? user : !user || sum);
                default -> (pte & PTE_W) != 0 && (priv == Priv.U ? user : !user || sum);
            };
            if (!ok) throw hart.raise(pageFault(access), va);
            long superMask = (1L << (9 * level)) - 1;
            if ((ppn & superMask) != 0) throw hart.raise(pageFault(access), va);
            long want = PTE_A | (access == Priv.STORE ? PTE_D : 0);
            if ((pte & want) != want) {
                if (!pmpAllows(pteAddr, 8, Priv.STORE, Priv.S)) throw hart.raise(accessFault(access), va);
                hart.bus.write(pteAddr, 8, pte | want);
            }
            long pageNumber = (ppn & ~superMask) | ((va >>> 12) & superMask);
            return (pageNumber << 12) | (va & 0xfff);
        }
        throw hart.raise(pageFault(access), va);
    }

    private static long raiseBus() { throw Bus.FAULT; }

    /**
     * The debugger's view of {@code va}: the physical address a data access at the current privilege
     * (MPRV included) would reach, or -1 if it would fault. Reads the page table only: no A/D updates,
     * no TLB fill, no trap, no permission check beyond a valid leaf, so looking never changes the guest.
     */
    long peek(long va) {
        Csrs c = hart.csr;
        int priv = (c.mstatus & Csrs.MSTATUS_MPRV) != 0 && hart.priv == Priv.M ? (int) ((c.mstatus >>> 11) & 3) : hart.priv;
        long mode = c.satp >>> 60;
        if (priv == Priv.M || mode == 0) return va;
        int levels = mode == 8 ? 3 : 4;
        int vaBits = 12 + 9 * levels;
        if ((va << (64 - vaBits)) >> (64 - vaBits) != va) return -1;
        long a = (c.satp & ((1L << 44) - 1)) << 12;
        for (int level = levels - 1; level >= 0; level--) {
            long pteAddr = a + ((va >>> (12 + 9 * level)) & 511) * 8;
            if (!hart.bus.isRam(pteAddr, 8)) return -1;
            long pte = hart.bus.read(pteAddr, 8);
            if ((pte & PTE_V) == 0 || ((pte & PTE_R) == 0 && (pte & PTE_W) != 0)) return -1;
            long ppn = (pte >>> 10) & ((1L << 44) - 1);
            if ((pte & (PTE_R | PTE_X)) == 0) {
                a = ppn << 12;
                continue;
            }
            long superMask = (1L << (9 * level)) - 1;
            return (((ppn & ~superMask) | ((va >>> 12) & superMask)) << 12) | (va & 0xfff);
        }
        return -1;
    }

    /**
     * Whether the PMP lets privilege {@code priv} access [pa, pa+size). The lowest-numbered entry that
     * matches any byte decides, and must cover all of them. With no active entry every access is allowed,
     * as QEMU 7.2 does; otherwise an S/U access that matches nothing fails and an M access succeeds.
     */
    boolean pmpAllows(long pa, long size, int access, int priv) {
        if (!pmpActive) return true;
        Csrs c = hart.csr;
        long end = pa + size;
        long prevTop = 0;
        for (int i = 0; i < Csrs.PMP_ENTRIES; i++) {
            int cfg = c.pmpcfg[i];
            int a = (cfg >>> 3) & 3;
            long lo, hi;
            long addr = c.pmpaddr[i];
            switch (a) {
                case 1 -> { lo = prevTop; hi = addr << 2; }
                case 2 -> { lo = addr << 2; hi = lo + 4; }
                case 3 -> {
                    int ones = Long.numberOfTrailingZeros(~addr);
                    long sz = 1L << (ones + 3);
                    lo = (addr << 2) & ~(sz - 1);
                    hi = lo + sz;
                }
                default -> { lo = 0; hi = 0; }
            }
            prevTop = addr << 2;
            if (a == 0 || Long.compareUnsigned(lo, hi) >= 0) continue;
            boolean touches = Long.compareUnsigned(pa, hi) < 0 && Long.compareUnsigned(end, lo) > 0;
            if (!touches) continue;
            boolean covers = Long.compareUnsigned(pa, lo) >= 0 && Long.compareUnsigned(end, hi) <= 0;
            if (!covers) return false;
            if (priv == Priv.M && (cfg & 0x80) == 0) return true;
            int bit = access == Priv.FETCH ? 4 : access == Priv.LOAD ? 1 : 2;
            return (cfg & bit) != 0;
        }
        return priv == Priv.M;
    }
}
