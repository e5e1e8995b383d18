// Turns instruction words into decoded instructions, using the tables in Op and Compressed.
package dev.lockstep.emulator.isa;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Decodes 16- and 32-bit instruction words. Stateless; decoding happens once per cached block. */
public final class Decoder {
    private Decoder() {}

    /** Candidates per major opcode (bits 6:0), most specific pattern first. */
    private static final Op[][] BY_OPCODE = new Op[128][];
    /** Candidates per compressed quadrant and funct3 (bits 15:13, 1:0), most specific first. */
    private static final Compressed[][] BY_QUADRANT = new Compressed[32][];
    /** FP instructions whose destination is an integer register. */
    private static final Set<Op> FP_TO_INT = EnumSet.of(Op.FCVT_W_S, Op.FCVT_WU_S, Op.FCVT_L_S, Op.FCVT_LU_S,
            Op.FCVT_W_D, Op.FCVT_WU_D, Op.FCVT_L_D, Op.FCVT_LU_D, Op.FMV_X_W, Op.FMV_X_D, Op.FCLASS_S, Op.FCLASS_D,
            Op.FEQ_S, Op.FLT_S, Op.FLE_S, Op.FEQ_D, Op.FLT_D, Op.FLE_D);

    static {
        List<List<Op>> lists = new ArrayList<>();
        for (int i = 0; i < 128; i++) lists.add(new ArrayList<>());
        for (Op op : Op.values()) {
            if (op == Op.ILLEGAL) continue;
            if ((op.mask & 0x7f) != 0x7f) throw new IllegalStateException(op + " leaves the major opcode open");
            lists.get(op.match & 0x7f).add(op);
        }
        Comparator<Op> specificFirst = Comparator.comparingInt((Op o) -> -Integer.bitCount(o.mask));
        for (int i = 0; i < 128; i++) {
            lists.get(i).sort(specificFirst);
            BY_OPCODE[i] = lists.get(i).toArray(new Op[0]);
        }
        List<List<Compressed>> clists = new ArrayList<>();
        for (int i = 0; i < 32; i++) clists.add(new ArrayList<>());
        for (Compressed c : Compressed.values()) clists.get(cIndex(c.match)).add(c);
        for (int i = 0; i < 32; i++) {
            clists.get(i).sort(Comparator.comparingInt((Compressed c) -> -Integer.bitCount(c.mask)));
            BY_QUADRANT[i] = clists.get(i).toArray(new Compressed[0]);
        }
    }

    private static int cIndex(int w) { return ((w >>> 13) & 7) << 2 | (w & 3); }

    /** Decodes the instruction whose low 16 bits (or all 32, if they end in 11) are {@code word}. */
    public static Insn decode(int word) {
        return (word & 3) == 3 ? decode32(word) : decode16(word & 0xffff);
    }

    /** The length in bytes of the instruction whose first halfword is {@code lowHalf}. */
    public static int length(int lowHalf) { return (lowHalf & 3) == 3 ? 4 : 2; }

    static Insn decode32(int w) {
        for (Op op : BY_OPCODE[w & 0x7f]) {
            if ((w & op.mask) == op.match) {
                return build(op, Format.rd(w), Format.rs1(w), Format.rs2(w), Format.rs3(w), Format.funct3(w),
                        op.format.imm(w), 4, w);
            }
        }
        return illegal(w, 4);
    }

    static Insn decode16(int w) {
        for (Compressed c : BY_QUADRANT[cIndex(w)]) {
            if ((w & c.mask) == c.match) {
                Insn insn = c.expand(w);
                return insn != null ? insn : illegal(w, 2);
            }
        }
        return illegal(w, 2);
    }

    static Insn illegal(int w, int len) { return new Insn(Op.ILLEGAL, Insn.SINK, 0, 0, 0, 0, 0, len, w); }

    static Insn build(Op op, int rd, int rs1, int rs2, int rs3, int rm, long imm, int len, int raw) {
        boolean intDest = !op.has(Op.Flag.FP) || FP_TO_INT.contains(op);
        return new Insn(op, rd == 0 && intDest ? Insn.SINK : rd, rs1, rs2, rs3, rm, imm, len, raw);
    }

    /** Whether {@code op} writes an integer register (as opposed to an FP one, or none). */
    public static boolean writesIntRegister(Op op) { return !op.has(Op.Flag.FP) || FP_TO_INT.contains(op); }

    /** For tests: every op the tables can produce. */
    static List<Op> allOps() { return Arrays.asList(Op.values()); }
}
