// The RVC instructions: each 16-bit encoding and the 32-bit instruction it expands to.
package dev.lockstep.emulator.isa;

/**
 * RV64C as the spec's table "RVC opcode map" lists it. Each entry names the base instruction it
 * expands to and its shape, the compressed format that says where the operands and immediate sit.
 * Reserved encodings (a zero immediate where the spec forbids it, x0 where it is reserved) decode as
 * illegal; HINTs decode to their base instruction writing x0, which does nothing.
 */
enum Compressed {
    C_ADDI4SPN("000 - -- --- -- --- 00", Op.ADDI, Shape.CIW),
    C_FLD("001 - -- --- -- --- 00", Op.FLD, Shape.CL_D),
    C_LW("010 - -- --- -- --- 00", Op.LW, Shape.CL_W),
    C_LD("011 - -- --- -- --- 00", Op.LD, Shape.CL_D),
    C_FSD("101 - -- --- -- --- 00", Op.FSD, Shape.CS_D),
    C_SW("110 - -- --- -- --- 00", Op.SW, Shape.CS_W),
    C_SD("111 - -- --- -- --- 00", Op.SD, Shape.CS_D),
    C_ADDI("000 - -- --- -- --- 01", Op.ADDI, Shape.CI_ADDI),
    C_ADDIW("001 - -- --- -- --- 01", Op.ADDIW, Shape.CI_ADDIW),
    C_LI("010 - -- --- -- --- 01", Op.ADDI, Shape.CI_LI),
    C_ADDI16SP("011 - 00 010 -- --- 01", Op.ADDI, Shape.CI_ADDI16SP),
    C_LUI("011 - -- --- -- --- 01", Op.LUI, Shape.CI_LUI),
    C_SRLI("100 - 00 --- -- --- 01", Op.SRLI, Shape.CB_SHIFT),
    C_SRAI("100 - 01 --- -- --- 01", Op.SRAI, Shape.CB_SHIFT),
    C_ANDI("100 - 10 --- -- --- 01", Op.ANDI, Shape.CB_ANDI),
    C_SUB("100 0 11 --- 00 --- 01", Op.SUB, Shape.CA),
    C_XOR("100 0 11 --- 01 --- 01", Op.XOR, Shape.CA),
    C_OR("100 0 11 --- 10 --- 01", Op.OR, Shape.CA),
    C_AND("100 0 11 --- 11 --- 01", Op.AND, Shape.CA),
    C_SUBW("100 1 11 --- 00 --- 01", Op.SUBW, Shape.CA),
    C_ADDW("100 1 11 --- 01 --- 01", Op.ADDW, Shape.CA),
    C_J("101 - -- --- -- --- 01", Op.JAL, Shape.CJ),
    C_BEQZ("110 - -- --- -- --- 01", Op.BEQ, Shape.CB_BRANCH),
    C_BNEZ("111 - -- --- -- --- 01", Op.BNE, Shape.CB_BRANCH),
    C_SLLI("000 - -- --- -- --- 10", Op.SLLI, Shape.CI_SLLI),
    C_FLDSP("001 - -- --- -- --- 10", Op.FLD, Shape.CI_LDSP),
    C_LWSP("010 - -- --- -- --- 10", Op.LW, Shape.CI_LWSP),
    C_LDSP("011 - -- --- -- --- 10", Op.LD, Shape.CI_LDSP),
    C_EBREAK("100 1 00 000 00 000 10", Op.EBREAK, Shape.NONE),
    C_JR("100 0 -- --- 00 000 10", Op.JALR, Shape.CR_JR),
    C_JALR("100 1 -- --- 00 000 10", Op.JALR, Shape.CR_JALR),
    C_MV("100 0 -- --- -- --- 10", Op.ADD, Shape.CR_MV),
    C_ADD("100 1 -- --- -- --- 10", Op.ADD, Shape.CR_ADD),
    C_FSDSP("101 - -- --- -- --- 10", Op.FSD, Shape.CSS_SDSP),
    C_SWSP("110 - -- --- -- --- 10", Op.SW, Shape.CSS_SWSP),
    C_SDSP("111 - -- --- -- --- 10", Op.SD, Shape.CSS_SDSP);

    /** Where a compressed format keeps its operands; one extractor per shape. */
    enum Shape { CIW, CL_W, CL_D, CS_W, CS_D, CI_ADDI, CI_ADDIW, CI_LI, CI_ADDI16SP, CI_LUI, CB_SHIFT, CB_ANDI, CA, CJ,
        CB_BRANCH, CI_SLLI, CI_LWSP, CI_LDSP, CR_JR, CR_JALR, CR_MV, CR_ADD, CSS_SWSP, CSS_SDSP, NONE }

    final int mask, match;
    final Op target;
    final Shape shape;

    Compressed(String pattern, Op target, Shape shape) {
        Pattern p = Pattern.parse(name(), pattern, 16);
        int m = p.mask(), v = p.match();
        this.mask = m;
        this.match = v;
        this.target = target;
        this.shape = shape;
    }

    private static int bit(int w, int i) { return (w >>> i) & 1; }
    private static int bits(int w, int hi, int lo) { return (w >>> lo) & ((1 << (hi - lo + 1)) - 1); }
    /** The 3-bit register fields rd', rs1', rs2' name x8..x15. */
    private static int rp(int w, int lo) { return 8 + bits(w, lo + 2, lo); }
    private static long sext(long v, int width) { return (v << (64 - width)) >> (64 - width); }

    /** The base instruction this compressed word expands to, or null for a reserved encoding. */
    Insn expand(int w) {
        int rd = bits(w, 11, 7), rs2 = bits(w, 6, 2);
        long imm6 = sext((bit(w, 12) << 5) | bits(w, 6, 2), 6);
        return switch (shape) {
            case CIW -> {
                int nzuimm = (bits(w, 10, 7) << 6) | (bits(w, 12, 11) << 4) | (bit(w, 5) << 3) | (bit(w, 6) << 2);
                yield nzuimm == 0 ? null : make(w, rp(w, 2), 2, 0, nzuimm);
            }
            case CL_W -> make(w, rp(w, 2), rp(w, 7), 0, (bit(w, 5) << 6) | (bits(w, 12, 10) << 3) | (bit(w, 6) << 2));
            case CL_D -> make(w, rp(w, 2), rp(w, 7), 0, (bits(w, 6, 5) << 6) | (bits(w, 12, 10) << 3));
            case CS_W -> make(w, 0, rp(w, 7), rp(w, 2), (bit(w, 5) << 6) | (bits(w, 12, 10) << 3) | (bit(w, 6) << 2));
            case CS_D -> make(w, 0, rp(w, 7), rp(w, 2), (bits(w, 6, 5) << 6) | (bits(w, 12, 10) << 3));
            case CI_ADDI -> make(w, rd, rd, 0, imm6);
            case CI_ADDIW -> rd == 0 ? null : make(w, rd, rd, 0, imm6);
            case CI_LI -> make(w, rd, 0, 0, imm6);
            case CI_ADDI16SP -> {
                long nz = sext((bit(w, 12) << 9) | (bits(w, 4, 3) << 7) | (bit(w, 5) << 6) | (bit(w, 2) << 5) | (bit(w, 6) << 4), 10);
                yield nz == 0 ? null : make(w, 2, 2, 0, nz);
            }
            case CI_LUI -> imm6 == 0 ? null : make(w, rd, 0, 0, imm6 << 12);
            case CB_SHIFT -> make(w, rp(w, 7), rp(w, 7), 0, (bit(w, 12) << 5) | bits(w, 6, 2));
            case CB_ANDI -> make(w, rp(w, 7), rp(w, 7), 0, imm6);
            case CA -> make(w, rp(w, 7), rp(w, 7), rp(w, 2), 0);
            case CJ -> make(w, 0, 0, 0, sext((bit(w, 12) << 11) | (bit(w, 8) << 10) | (bits(w, 10, 9) << 8) | (bit(w, 6) << 7)
                    | (bit(w, 7) << 6) | (bit(w, 2) << 5) | (bit(w, 11) << 4) | (bits(w, 5, 3) << 1), 12));
            case CB_BRANCH -> make(w, 0, rp(w, 7), 0, sext((bit(w, 12) << 8) | (bits(w, 6, 5) << 6) | (bit(w, 2) << 5)
                    | (bits(w, 11, 10) << 3) | (bits(w, 4, 3) << 1), 9));
            case CI_SLLI -> make(w, rd, rd, 0, (bit(w, 12) << 5) | bits(w, 6, 2));
            case CI_LWSP -> target == Op.LW && rd == 0 ? null
                    : make(w, rd, 2, 0, (bits(w, 3, 2) << 6) | (bit(w, 12) << 5) | (bits(w, 6, 4) << 2));
            case CI_LDSP -> target == Op.LD && rd == 0 ? null
                    : make(w, rd, 2, 0, (bits(w, 4, 2) << 6) | (bit(w, 12) << 5) | (bits(w, 6, 5) << 3));
            case CR_JR -> rd == 0 ? null : make(w, 0, rd, 0, 0);
            case CR_JALR -> make(w, 1, rd, 0, 0);
            case CR_MV -> make(w, rd, 0, rs2, 0);
            case CR_ADD -> make(w, rd, rd, rs2, 0);
            case CSS_SWSP -> make(w, 0, 2, rs2, (bits(w, 8, 7) << 6) | (bits(w, 12, 9) << 2));
            case CSS_SDSP -> make(w, 0, 2, rs2, (bits(w, 9, 7) << 6) | (bits(w, 12, 10) << 3));
            case NONE -> make(w, 0, 0, 0, 0);
        };
    }

    private Insn make(int w, int rd, int rs1, int rs2, long imm) {
        return Decoder.build(target, rd, rs1, rs2, 0, target == Op.FLD || target == Op.FSD ? 3 : 0, imm, 2, w);
    }
}
