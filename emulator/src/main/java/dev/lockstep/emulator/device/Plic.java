// The PLIC at 0xc000000 (sifive,plic-1.0.0 as QEMU virt has it): sources, priorities, claim/complete, MEIP/SEIP.
package dev.lockstep.emulator.device;

import dev.lockstep.emulator.cpu.Hart;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * QEMU virt's platform-level interrupt controller: sources 1..96 (riscv,ndev = 96; 0 means "none"), 3
 * priority bits, and two contexts per hart (2·hart = M, 2·hart + 1 = S). Register map: priority at
 * +4·source, pending bits at +0x1000, enable bits at +0x2000 + 0x80·context, threshold at
 * +0x200000 + 0x1000·context and claim/complete 4 bytes after it.
 *
 * <p>Sources are level-triggered through a gateway, as the PLIC spec describes: a source becomes
 * pending while its line is high and it is not claimed; claiming clears pending; completing re-arms the
 * gateway, so a line still high is pending again at once. A context's interrupt output (MEIP or SEIP of
 * its hart) is high while some pending, enabled, unclaimed source has a priority above its threshold.
 */
public final class Plic implements Device {
    public static final int SOURCES = 97; // ids 0..96
    public static final long SIZE = 0x600000;
    private static final int WORDS = (SOURCES + 31) / 32;
    private static final int PRIORITY_MASK = 7;
    private static final long PENDING = 0x1000, ENABLE = 0x2000, CONTEXT = 0x200000;
    private static final long MIP_SEIP = 1L << 9, MIP_MEIP = 1L << 11;

    private final List<Hart> harts;
    private final int contexts;
    private final int[] priority = new int[SOURCES];
    private final int[] pending = new int[WORDS];
    private final int[] claimed = new int[WORDS];
    private final int[] level = new int[WORDS];
    private final int[] enable;
    private final int[] threshold;
    private final boolean[] output;

    /** Hears each context that an interrupt newly raised, as the hart's index (the machine's turns care). */
    private final IntConsumer raised;

    public Plic(List<Hart> harts, IntConsumer raised) {
        this.harts = harts;
        this.raised = raised;
        this.contexts = 2 * harts.size();
        this.enable = new int[contexts * WORDS];
        this.threshold = new int[contexts];
        this.output = new boolean[contexts];
    }

    @Override public String name() { return "plic"; }
    @Override public long size() { return SIZE; }

    /** The interrupt line of {@code source}, for a device to drive. */
    public IrqLine line(int source) {
        if (source <= 0 || source >= SOURCES) throw new IllegalArgumentException("no PLIC source " + source);
        return lvl -> setLevel(source, lvl);
    }

    public void setLevel(int source, boolean high) {
        int w = source >>> 5, bit = 1 << (source & 31);
        level[w] = high ? level[w] | bit : level[w] & ~bit;
        if (high && (claimed[w] & bit) == 0) pending[w] |= bit;
        else if (!high) pending[w] &= ~bit;
        update();
    }

    private static boolean test(int[] bits, int i) { return (bits[i >>> 5] >>> (i & 31) & 1) != 0; }

    /** The best source context {@code ctx} may claim now, or 0. Ties go to the lowest id. */
    private int best(int ctx) {
        int max = 0, maxPrio = threshold[ctx];
        for (int w = 0; w < WORDS; w++) {
            int candidates = pending[w] & ~claimed[w] & enable[ctx * WORDS + w];
            while (candidates != 0) {
                int src = (w << 5) + Integer.numberOfTrailingZeros(candidates);
                candidates &= candidates - 1;
                if (priority[src] > maxPrio) {
                    max = src;
                    maxPrio = priority[src];
                }
            }
        }
        return max;
    }

    private void update() {
        for (int ctx = 0; ctx < contexts; ctx++) {
            boolean on = best(ctx) != 0;
            if (on == output[ctx]) continue;
            output[ctx] = on;
            harts.get(ctx / 2).setPending(ctx % 2 == 0 ? MIP_MEIP : MIP_SEIP, on);
            if (on) raised.accept(ctx / 2);
        }
    }

    @Override
    public long read(long off, int size) {
        if (size != 4) return 0; // QEMU's PLIC takes 32-bit accesses only
        if (off < PENDING) {
            int src = (int) (off >>> 2);
            return src < SOURCES ? priority[src] : 0;
        }
        if (off < ENABLE) {
            int w = (int) ((off - PENDING) >>> 2);
            return w < WORDS ? pending[w] & 0xffffffffL : 0;
        }
        if (off < CONTEXT) {
            int ctx = (int) ((off - ENABLE) / 0x80), w = (int) (((off - ENABLE) % 0x80) >>> 2);
            return ctx < contexts && w < WORDS ? enable[ctx * WORDS + w] & 0xffffffffL : 0;
        }
        int ctx = (int) ((off - CONTEXT) >>> 12);
        if (ctx >= contexts) return 0;
        return switch ((int) (off & 0xfff)) {
            case 0 -> threshold[ctx];
            case 4 -> claim(ctx);
            default -> 0;
        };
    }

    private int claim(int ctx) {
        int src = best(ctx);
        if (src != 0) {
            pending[src >>> 5] &= ~(1 << (src & 31));
            claimed[src >>> 5] |= 1 << (src & 31);
        }
        update();
        return src;
    }

    @Override
    public void write(long off, int size, long value) {
        if (size != 4) return;
        int v = (int) value;
        if (off < PENDING) {
            int src = (int) (off >>> 2);
            if (src > 0 && src < SOURCES) priority[src] = v & PRIORITY_MASK;
        } else if (off < ENABLE) {
            return; // pending bits are read-only
        } else if (off < CONTEXT) {
            int ctx = (int) ((off - ENABLE) / 0x80), w = (int) (((off - ENABLE) % 0x80) >>> 2);
            if (ctx < contexts && w < WORDS) enable[ctx * WORDS + w] = w == 0 ? v & ~1 : v;
        } else {
            int ctx = (int) ((off - CONTEXT) >>> 12);
            if (ctx >= contexts) return;
            switch ((int) (off & 0xfff)) {
                case 0 -> threshold[ctx] = v & PRIORITY_MASK;
                case 4 -> complete(v);
                default -> { return; }
            }
        }
        update();
    }

    private void complete(int src) {
        if (src <= 0 || src >= SOURCES) return;
        claimed[src >>> 5] &= ~(1 << (src & 31));
        if (test(level, src)) pending[src >>> 5] |= 1 << (src & 31);
    }

    @Override
    public void save(StateWriter out) {
        for (int p : priority) out.i32(p);
        for (int i = 0; i < WORDS; i++) out.i32(pending[i]).i32(claimed[i]).i32(level[i]);
        for (int e : enable) out.i32(e);
        for (int t : threshold) out.i32(t);
    }

    @Override
    public void restore(StateReader in) {
        for (int i = 0; i < SOURCES; i++) priority[i] = in.i32();
        for (int i = 0; i < WORDS; i++) {
            pending[i] = in.i32();
            claimed[i] = in.i32();
            level[i] = in.i32();
        }
        for (int i = 0; i < enable.length; i++) enable[i] = in.i32();
        for (int i = 0; i < contexts; i++) threshold[i] = in.i32();
        // The hart's MEIP/SEIP were restored with its CSRs; recompute our view of them.
        for (int ctx = 0; ctx < contexts; ctx++) {
            output[ctx] = best(ctx) != 0;
            harts.get(ctx / 2).setPending(ctx % 2 == 0 ? MIP_MEIP : MIP_SEIP, output[ctx]);
        }
    }
}
