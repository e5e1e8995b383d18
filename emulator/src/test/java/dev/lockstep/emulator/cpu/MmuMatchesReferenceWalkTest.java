// Property: the MMU translates or faults exactly as the privileged spec's walk (§4.3.2, §4.4), written out here.
package dev.lockstep.emulator.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.memory.Bus;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Random page tables (Sv39 and Sv48; pointers, leaves at every level, invalid and reserved encodings,
 * random R/W/X/U/A/D bits, aligned and misaligned superpages, tables shared between levels, pointers out
 * of RAM) and random accesses (fetch/load/store from U, S or M, with MPRV/MPP, SUM and MXR, canonical
 * and non-canonical addresses). The hart's MMU must give the same physical address or the same fault
 * (cause and tval) as {@link #referenceWalk}, and leave the same A/D bits in memory. PMP is off
 * (no active entry), so PMP never decides here; vmtest covers it.
 */
class MmuMatchesReferenceWalkTest {
    private static final long RAM_BASE = 0x80000000L;
    private static final int RAM_SIZE = 1 << 20;
    private static final int POOL = 8; // page-table pages: RAM pages 0..7; page 0 is the root
    private static final long V = 1, R = 2, W = 4, X = 8, U = 16, G = 32, A = 64, D = 128;
    private static final long PPN_MASK = (1L << 44) - 1;

    enum Kind { INVALID, POINTER, LEAF, PERMISSIVE_LEAF, RESERVED_BITS }

    /** How to fill one PTE on the walk's path, if the walk gets there and the slot is still empty. */
    record PteSpec(Kind kind, int flags, int table, long ppnNoise, boolean aligned, boolean outOfRam, int reservedBits) {}

    record Access(int mode, long va, int access, int priv, boolean mprv, int mpp, boolean sum, boolean mxr) {}

    /** A translation's result: a physical address or a fault. */
    record Outcome(boolean fault, long cause, long value) {
        static Outcome ok(long pa) { return new Outcome(false, -1, pa); }
        static Outcome trap(long cause, long tval) { return new Outcome(true, cause, tval); }
    }

    @Provide
    Arbitrary<Access> accesses() {
        Arbitrary<Integer> mode = Arbitraries.of(8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 0);
        Arbitrary<Long> raw = Arbitraries.longs();
        Arbitrary<Boolean> canonical = Arbitraries.integers().between(0, 9).map(i -> i < 8);
        Arbitrary<Integer> access = Arbitraries.of(Priv.FETCH, Priv.LOAD, Priv.STORE);
        Arbitrary<Integer> priv = Arbitraries.of(Priv.U, Priv.S, Priv.U, Priv.S, Priv.U, Priv.S, Priv.M);
        Arbitrary<Integer> mpp = Arbitraries.of(Priv.U, Priv.S, Priv.M);
        Arbitrary<Boolean> bit = Arbitraries.of(true, false);
        return Combinators.combine(mode, raw, canonical, access, priv, bit, mpp, Combinators.combine(bit, bit).as((a, b) -> a ? (b ? 3 : 1) : (b ? 2 : 0)))
                .as((m, v, canon, acc, p, mprv, pp, summxr) -> {
                    long va = v;
                    if (canon) {
                        int bits = m == 9 ? 48 : 39;
                        va = (v << (64 - bits)) >> (64 - bits);
                    }
                    return new Access(m, va, acc, p, mprv, pp, (summxr & 1) != 0, (summxr & 2) != 0);
                });
    }

    @Provide
    Arbitrary<List<PteSpec>> paths() {
        Arbitrary<Kind> kind = Arbitraries.of(Kind.INVALID, Kind.POINTER, Kind.POINTER, Kind.POINTER, Kind.LEAF,
                Kind.LEAF, Kind.LEAF, Kind.PERMISSIVE_LEAF, Kind.PERMISSIVE_LEAF, Kind.RESERVED_BITS);
        Arbitrary<PteSpec> spec = Combinators.combine(kind, Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(0, POOL - 1), Arbitraries.longs(), Arbitraries.of(true, true, false),
                Arbitraries.integers().between(0, 7).map(i -> i == 0), Arbitraries.integers().between(1, 1023))
                .as(PteSpec::new);
        return spec.list().ofSize(4);
    }

    @Property(tries = 10000)
    void mmuTranslatesAndFaultsAsTheReferenceWalk(@ForAll("accesses") Access a, @ForAll("paths") List<PteSpec> path) {
        Bus bus = new Bus(RAM_BASE, RAM_SIZE, 0x1000, 0x1000);
        Hart hart = new Hart(0, bus, new GuestClock(10));
        Map<Long, Long> memory = new TreeMap<>(); // the reference's view of the page-table words
        build(a, path, bus, memory);

        long satp = a.mode() == 0 ? 0 : ((long) a.mode() << 60) | (RAM_BASE >>> 12);
        long mstatus = (a.mprv() ? Csrs.MSTATUS_MPRV : 0) | ((long) a.mpp() << 11)
                | (a.sum() ? Csrs.MSTATUS_SUM : 0) | (a.mxr() ? Csrs.MSTATUS_MXR : 0);
        hart.csr.satp = satp;
        hart.csr.mstatus = (hart.csr.mstatus & ~Csrs.MSTATUS_WRITABLE) | mstatus;
        hart.priv = a.priv();
        hart.updateTranslation();

        Outcome want = referenceWalk(memory, satp, a.priv(), mstatus, a.va(), a.access());
        Outcome got;
        try {
            got = Outcome.ok(hart.mmu.translate(a.va(), a.access()));
        } catch (Trap t) {
            got = Outcome.trap(t.cause, t.tval);
        }

        int effective = a.access() != Priv.FETCH && a.priv() == Priv.M && a.mprv() ? a.mpp() : a.priv();
        boolean bare = a.mode() == 0 || effective == Priv.M;
        Statistics.label("outcome").collect(want.fault() ? "fault " + want.cause() : bare ? "bare" : "translated");
        assertThat(got).as("translation of %s", a).isEqualTo(want);
        for (Map.Entry<Long, Long> e : memory.entrySet()) {
            assertThat(bus.read(e.getKey(), 8)).as("PTE at 0x%x after the walk (A/D)", e.getKey()).isEqualTo(e.getValue());
        }
    }

    /** Writes a PTE for each level along va's path, the way `path` says, into the bus and the reference memory. */
    private static void build(Access a, List<PteSpec> path, Bus bus, Map<Long, Long> memory) {
        int levels = a.mode() == 9 ? 4 : 3;
        long table = RAM_BASE;
        for (int level = levels - 1; level >= 0; level--) {
            long addr = table + ((a.va() >>> (12 + 9 * level)) & 511) * 8;
            PteSpec s = path.get(levels - 1 - level);
            long pte;
            if (memory.containsKey(addr)) {
                pte = memory.get(addr); // a table met again on the path keeps what it has
            } else {
                pte = compose(s, level, a.priv() == Priv.U || a.priv() == Priv.M && a.mprv() && a.mpp() == Priv.U);
                memory.put(addr, pte);
                bus.write(addr, 8, pte);
            }
            if ((pte & V) == 0 || (pte & (R | X)) != 0) return;
            long next = ((pte >>> 10) & PPN_MASK) << 12;
            if (next < RAM_BASE || next >= RAM_BASE + (long) POOL * 4096) return;
            table = next;
        }
    }

    /** The PTE for {@code s} at {@code level}; a permissive leaf allows every access of the user or not. */
    private static long compose(PteSpec s, int level, boolean user) {
        long flags = s.flags() & 0xff;
        long ppn;
        if (s.outOfRam()) {
            ppn = s.ppnNoise() & PPN_MASK;
        } else if (s.kind() == Kind.POINTER) {
            ppn = (RAM_BASE >>> 12) + s.table();
        } else {
            ppn = (RAM_BASE >>> 12) + (s.ppnNoise() & 0x3ffff);
            if (s.aligned()) ppn &= ~((1L << (9 * level)) - 1);
        }
        long pte = ppn << 10;
        return switch (s.kind()) {
            case INVALID -> pte | (flags & ~V);
            // mostly clean pointers; now and then one with A, D or U set, which is reserved
            case POINTER -> pte | V | (s.aligned() ? flags & G : flags & (A | D | U | G));
            case LEAF -> pte | V | (flags & ~V) | ((flags & (R | W | X)) == 0 ? R : 0);
            case PERMISSIVE_LEAF -> pte | V | R | W | X | (user ? U : 0) | (flags & (G | A | D));
            case RESERVED_BITS -> pte | V | (flags & ~V) | ((long) s.reservedBits() << 54);
        };
    }

    /**
     * The privileged spec's translation, step by step (v1.12 §4.3.2 and §4.4.1 for Sv48), with the
     * choices QEMU and lockstep both make where the spec allows two: A and D are set by hardware rather
     * than faulting, and the reserved bits of a PTE (63:54 without Svpbmt/Svnapot; D, A and U of a
     * pointer) make it invalid.
     */
    static Outcome referenceWalk(Map<Long, Long> memory, long satp, int priv, long mstatus, long va, int access) {
        boolean mprv = (mstatus & Csrs.MSTATUS_MPRV) != 0;
        int effective = access != Priv.FETCH && priv == Priv.M && mprv ? (int) ((mstatus >>> 11) & 3) : priv;
        long mode = satp >>> 60;
        if (effective == Priv.M || mode == 0) return Outcome.ok(va);

        long pageFault = access == Priv.FETCH ? 12 : access == Priv.LOAD ? 13 : 15;
        long accessFault = access == Priv.FETCH ? 1 : access == Priv.LOAD ? 5 : 7;
        int levels = mode == 8 ? 3 : 4;
        int vaBits = 12 + 9 * levels;
        // bits 63..vaBits of the address must all equal bit vaBits-1
        long upper = va >> (vaBits - 1);
        if (upper != 0 && upper != -1) return Outcome.trap(pageFault, va);

        // step 1
        long a = (satp & PPN_MASK) * 4096;
        int i = levels - 1;
        while (true) {
            // step 2: the PTE must be in memory that page-table walks may read
            long pteAddr = a + ((va >>> (12 + 9 * i)) & 511) * 8;
            if (pteAddr < RAM_BASE || pteAddr + 8 > RAM_BASE + RAM_SIZE) return Outcome.trap(accessFault, va);
            long pte = memory.getOrDefault(pteAddr, 0L);
            boolean v = (pte & V) != 0, r = (pte & R) != 0, w = (pte & W) != 0, x = (pte & X) != 0;
            // step 3
            if (!v || (!r && w) || (pte >>> 54) != 0) return Outcome.trap(pageFault, va);
            // step 4
            if (!r && !x) {
                if ((pte & (D | A | U)) != 0) return Outcome.trap(pageFault, va);
                i--;
                if (i < 0) return Outcome.trap(pageFault, va);
                a = ((pte >>> 10) & PPN_MASK) * 4096;
                continue;
            }
            // step 5: a leaf; may this privilege do this access?
            boolean userPage = (pte & U) != 0;
            boolean sum = (mstatus & Csrs.MSTATUS_SUM) != 0, mxr = (mstatus & Csrs.MSTATUS_MXR) != 0;
            boolean privOk = access == Priv.FETCH
                    ? (effective == Priv.U) == userPage
                    : effective == Priv.U ? userPage : !userPage || sum;
            boolean kindOk = switch (access) {
                case Priv.FETCH -> x;
                case Priv.LOAD -> r || (mxr && x);
                default -> w;
            };
            if (!privOk || !kindOk) return Outcome.trap(pageFault, va);
            // step 6: a superpage's PPN must be aligned to its size
            long ppn = (pte >>> 10) & PPN_MASK;
            if (i > 0 && (ppn & ((1L << (9 * i)) - 1)) != 0) return Outcome.trap(pageFault, va);
            // step 7: set A, and D for a store
            long updated = pte | A | (access == Priv.STORE ? D : 0);
            if (updated != pte) memory.put(pteAddr, updated);
            // step 8
            long pageNumber = (ppn & ~((1L << (9 * i)) - 1)) | ((va >>> 12) & ((1L << (9 * i)) - 1));
            return Outcome.ok((pageNumber << 12) | (va & 0xfff));
        }
    }
}
