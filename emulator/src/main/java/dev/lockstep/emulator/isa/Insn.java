// A decoded instruction: the operation and its operand fields, extracted once and cached in blocks.
package dev.lockstep.emulator.isa;

/**
 * One decoded instruction. Plain final fields so the interpreter reads them with single loads and a
 * later bytecode translator can read them as constants. Integer destination register 0 is mapped to
 * {@link #SINK} so that writes to x0 need no test in the hot loop; {@link #archRd()} gives it back.
 */
public final class Insn {
    /** Index of the scratch register that absorbs writes to x0. */
    public static final int SINK = 32;

    public final Op op;
    public final int rd, rs1, rs2, rs3;
    /** funct3: the rounding mode of FP instructions, unused by the rest. */
    public final int rm;
    public final long imm;
    /** Length in bytes: 2 (compressed) or 4. */
    public final int len;
    /** The instruction word as fetched (16 bits for a compressed instruction). */
    public final int raw;
    /** Offset of this instruction from the start of its block, and of the one after it. */
    public final int off, next;

    Insn(Op op, int rd, int rs1, int rs2, int rs3, int rm, long imm, int len, int raw) {
        this(op, rd, rs1, rs2, rs3, rm, imm, len, raw, 0);
    }

    private Insn(Op op, int rd, int rs1, int rs2, int rs3, int rm, long imm, int len, int raw, int off) {
        this.op = op;
        this.rd = rd;
        this.rs1 = rs1;
        this.rs2 = rs2;
        this.rs3 = rs3;
        this.rm = rm;
        this.imm = imm;
        this.len = len;
        this.raw = raw;
        this.off = off;
        this.next = off + len;
    }

    /** This instruction placed at {@code offset} bytes into a block. */
    public Insn at(int offset) {
        return offset == off ? this : new Insn(op, rd, rs1, rs2, rs3, rm, imm, len, raw, offset);
    }

    public boolean compressed() { return len == 2; }

    /** The destination register as written in the instruction. */
    public int archRd() { return rd == SINK ? 0 : rd; }

    @Override
    public String toString() { return Disassembler.format(this, 0); }
}
