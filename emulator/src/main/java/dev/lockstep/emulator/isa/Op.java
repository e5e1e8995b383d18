// The instruction set, declared once: every RV64GC instruction with its mnemonic, encoding and format.
package dev.lockstep.emulator.isa;

import static dev.lockstep.emulator.isa.Format.*;

/**
 * Every 32-bit instruction lockstep implements, as the spec's tables list them. The pattern is the
 * instruction word from bit 31 down to bit 0: {@code 0}/{@code 1} are fixed bits, {@code -} is a field;
 * spaces are only for reading. The decoder is built from this table, the disassembler prints from it,
 * and {@link dev.lockstep.emulator.cpu.Hart} gives each entry its behaviour in one switch.
 * Compressed instructions expand to these (see {@link Compressed}).
 */
public enum Op {
    // RV64I
    LUI("lui", "------- ----- ----- --- ----- 0110111", U),
    AUIPC("auipc", "------- ----- ----- --- ----- 0010111", U),
    JAL("jal", "------- ----- ----- --- ----- 1101111", J, Flag.JUMP),
    JALR("jalr", "------- ----- ----- 000 ----- 1100111", I, Flag.JUMP),
    BEQ("beq", "------- ----- ----- 000 ----- 1100011", B, Flag.JUMP),
    BNE("bne", "------- ----- ----- 001 ----- 1100011", B, Flag.JUMP),
    BLT("blt", "------- ----- ----- 100 ----- 1100011", B, Flag.JUMP),
    BGE("bge", "------- ----- ----- 101 ----- 1100011", B, Flag.JUMP),
    BLTU("bltu", "------- ----- ----- 110 ----- 1100011", B, Flag.JUMP),
    BGEU("bgeu", "------- ----- ----- 111 ----- 1100011", B, Flag.JUMP),
    LB("lb", "------- ----- ----- 000 ----- 0000011", I, Flag.LOAD),
    LH("lh", "------- ----- ----- 001 ----- 0000011", I, Flag.LOAD),
    LW("lw", "------- ----- ----- 010 ----- 0000011", I, Flag.LOAD),
    LD("ld", "------- ----- ----- 011 ----- 0000011", I, Flag.LOAD),
    LBU("lbu", "------- ----- ----- 100 ----- 0000011", I, Flag.LOAD),
    LHU("lhu", "------- ----- ----- 101 ----- 0000011", I, Flag.LOAD),
    LWU("lwu", "------- ----- ----- 110 ----- 0000011", I, Flag.LOAD),
    SB("sb", "------- ----- ----- 000 ----- 0100011", S, Flag.STORE),
    SH("sh", "------- ----- ----- 001 ----- 0100011", S, Flag.STORE),
    SW("sw", "------- ----- ----- 010 ----- 0100011", S, Flag.STORE),
    SD("sd", "------- ----- ----- 011 ----- 0100011", S, Flag.STORE),
    ADDI("addi", "------- ----- ----- 000 ----- 0010011", I),
    SLTI("slti", "------- ----- ----- 010 ----- 0010011", I),
    SLTIU("sltiu", "------- ----- ----- 011 ----- 0010011", I),
    XORI("xori", "------- ----- ----- 100 ----- 0010011", I),
    ORI("ori", "------- ----- ----- 110 ----- 0010011", I),
    ANDI("andi", "------- ----- ----- 111 ----- 0010011", I),
    SLLI("slli", "000000- ----- ----- 001 ----- 0010011", SHIFT),
    SRLI("srli", "000000- ----- ----- 101 ----- 0010011", SHIFT),
    SRAI("srai", "010000- ----- ----- 101 ----- 0010011", SHIFT),
    ADD("add", "0000000 ----- ----- 000 ----- 0110011", R),
    SUB("sub", "0100000 ----- ----- 000 ----- 0110011", R),
    SLL("sll", "0000000 ----- ----- 001 ----- 0110011", R),
    SLT("slt", "0000000 ----- ----- 010 ----- 0110011", R),
    SLTU("sltu", "0000000 ----- ----- 011 ----- 0110011", R),
    XOR("xor", "0000000 ----- ----- 100 ----- 0110011", R),
    SRL("srl", "0000000 ----- ----- 101 ----- 0110011", R),
    SRA("sra", "0100000 ----- ----- 101 ----- 0110011", R),
    OR("or", "0000000 ----- ----- 110 ----- 0110011", R),
    AND("and", "0000000 ----- ----- 111 ----- 0110011", R),
    ADDIW("addiw", "------- ----- ----- 000 ----- 0011011", I),
    SLLIW("slliw", "0000000 ----- ----- 001 ----- 0011011", SHIFTW),
    SRLIW("srliw", "0000000 ----- ----- 101 ----- 0011011", SHIFTW),
    SRAIW("sraiw", "0100000 ----- ----- 101 ----- 0011011", SHIFTW),
    ADDW("addw", "0000000 ----- ----- 000 ----- 0111011", R),
    SUBW("subw", "0100000 ----- ----- 000 ----- 0111011", R),
    SLLW("sllw", "0000000 ----- ----- 001 ----- 0111011", R),
    SRLW("srlw", "0000000 ----- ----- 101 ----- 0111011", R),
    SRAW("sraw", "0100000 ----- ----- 101 ----- 0111011", R),
    FENCE("fence", "------- ----- ----- 000 ----- 0001111", NONE),
    // Zihintpause: a FENCE that orders nothing, the spin-wait hint (Linux's cpu_relax). It ends a multi-hart
    // machine's turn, so it ends a block.
    PAUSE("pause", "0000000 10000 00000 000 00000 0001111", NONE, Flag.ENDS_BLOCK),
    FENCE_I("fence.i", "------- ----- ----- 001 ----- 0001111", NONE, Flag.ENDS_BLOCK),
    ECALL("ecall", "0000000 00000 00000 000 00000 1110011", NONE, Flag.ENDS_BLOCK),
    EBREAK("ebreak", "0000000 00001 00000 000 00000 1110011", NONE, Flag.ENDS_BLOCK),
    // Privileged
    SRET("sret", "0001000 00010 00000 000 00000 1110011", NONE, Flag.ENDS_BLOCK),
    MRET("mret", "0011000 00010 00000 000 00000 1110011", NONE, Flag.ENDS_BLOCK),
    WFI("wfi", "0001000 00101 00000 000 00000 1110011", NONE, Flag.ENDS_BLOCK),
    SFENCE_VMA("sfence.vma", "0001001 ----- ----- 000 00000 1110011", R, Flag.ENDS_BLOCK),
    // Zicsr: every CSR access ends a block, since it may change what is pending and enabled.
    CSRRW("csrrw", "------- ----- ----- 001 ----- 1110011", CSR, Flag.ENDS_BLOCK),
    CSRRS("csrrs", "------- ----- ----- 010 ----- 1110011", CSR, Flag.ENDS_BLOCK),
    CSRRC("csrrc", "------- ----- ----- 011 ----- 1110011", CSR, Flag.ENDS_BLOCK),
    CSRRWI("csrrwi", "------- ----- ----- 101 ----- 1110011", CSR, Flag.ENDS_BLOCK),
    CSRRSI("csrrsi", "------- ----- ----- 110 ----- 1110011", CSR, Flag.ENDS_BLOCK),
    CSRRCI("csrrci", "------- ----- ----- 111 ----- 1110011", CSR, Flag.ENDS_BLOCK),
    // M
    MUL("mul", "0000001 ----- ----- 000 ----- 0110011", R),
    MULH("mulh", "0000001 ----- ----- 001 ----- 0110011", R),
    MULHSU("mulhsu", "0000001 ----- ----- 010 ----- 0110011", R),
    MULHU("mulhu", "0000001 ----- ----- 011 ----- 0110011", R),
    DIV("div", "0000001 ----- ----- 100 ----- 0110011", R),
    DIVU("divu", "0000001 ----- ----- 101 ----- 0110011", R),
    REM("rem", "0000001 ----- ----- 110 ----- 0110011", R),
    REMU("remu", "0000001 ----- ----- 111 ----- 0110011", R),
    MULW("mulw", "0000001 ----- ----- 000 ----- 0111011", R),
    DIVW("divw", "0000001 ----- ----- 100 ----- 0111011", R),
    DIVUW("divuw", "0000001 ----- ----- 101 ----- 0111011", R),
    REMW("remw", "0000001 ----- ----- 110 ----- 0111011", R),
    REMUW("remuw", "0000001 ----- ----- 111 ----- 0111011", R),
    // A (aq/rl bits are don't-care: a single hart in a sequentially consistent machine honours them trivially)
    LR_W("lr.w", "00010-- 00000 ----- 010 ----- 0101111", R, Flag.AMO),
    SC_W("sc.w", "00011-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    AMOSWAP_W("amoswap.w", "00001-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    AMOADD_W("amoadd.w", "00000-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    AMOXOR_W("amoxor.w", "00100-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    AMOAND_W("amoand.w", "01100-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    AMOOR_W("amoor.w", "01000-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    AMOMIN_W("amomin.w", "10000-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    AMOMAX_W("amomax.w", "10100-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    AMOMINU_W("amominu.w", "11000-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    AMOMAXU_W("amomaxu.w", "11100-- ----- ----- 010 ----- 0101111", R, Flag.AMO),
    LR_D("lr.d", "00010-- 00000 ----- 011 ----- 0101111", R, Flag.AMO),
    SC_D("sc.d", "00011-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    AMOSWAP_D("amoswap.d", "00001-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    AMOADD_D("amoadd.d", "00000-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    AMOXOR_D("amoxor.d", "00100-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    AMOAND_D("amoand.d", "01100-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    AMOOR_D("amoor.d", "01000-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    AMOMIN_D("amomin.d", "10000-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    AMOMAX_D("amomax.d", "10100-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    AMOMINU_D("amominu.d", "11000-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    AMOMAXU_D("amomaxu.d", "11100-- ----- ----- 011 ----- 0101111", R, Flag.AMO),
    // F and D: behaviour in FpUnit; the rounding-mode field (bits 14:12) is checked when executed.
    FLW("flw", "------- ----- ----- 010 ----- 0000111", I, Flag.FP),
    FLD("fld", "------- ----- ----- 011 ----- 0000111", I, Flag.FP),
    FSW("fsw", "------- ----- ----- 010 ----- 0100111", S, Flag.FP),
    FSD("fsd", "------- ----- ----- 011 ----- 0100111", S, Flag.FP),
    FMADD_S("fmadd.s", "-----00 ----- ----- --- ----- 1000011", R4, Flag.FP),
    FMSUB_S("fmsub.s", "-----00 ----- ----- --- ----- 1000111", R4, Flag.FP),
    FNMSUB_S("fnmsub.s", "-----00 ----- ----- --- ----- 1001011", R4, Flag.FP),
    FNMADD_S("fnmadd.s", "-----00 ----- ----- --- ----- 1001111", R4, Flag.FP),
    FMADD_D("fmadd.d", "-----01 ----- ----- --- ----- 1000011", R4, Flag.FP),
    FMSUB_D("fmsub.d", "-----01 ----- ----- --- ----- 1000111", R4, Flag.FP),
    FNMSUB_D("fnmsub.d", "-----01 ----- ----- --- ----- 1001011", R4, Flag.FP),
    FNMADD_D("fnmadd.d", "-----01 ----- ----- --- ----- 1001111", R4, Flag.FP),
    FADD_S("fadd.s", "0000000 ----- ----- --- ----- 1010011", R, Flag.FP),
    FSUB_S("fsub.s", "0000100 ----- ----- --- ----- 1010011", R, Flag.FP),
    FMUL_S("fmul.s", "0001000 ----- ----- --- ----- 1010011", R, Flag.FP),
    FDIV_S("fdiv.s", "0001100 ----- ----- --- ----- 1010011", R, Flag.FP),
    FSQRT_S("fsqrt.s", "0101100 00000 ----- --- ----- 1010011", R, Flag.FP),
    FSGNJ_S("fsgnj.s", "0010000 ----- ----- 000 ----- 1010011", R, Flag.FP),
    FSGNJN_S("fsgnjn.s", "0010000 ----- ----- 001 ----- 1010011", R, Flag.FP),
    FSGNJX_S("fsgnjx.s", "0010000 ----- ----- 010 ----- 1010011", R, Flag.FP),
    FMIN_S("fmin.s", "0010100 ----- ----- 000 ----- 1010011", R, Flag.FP),
    FMAX_S("fmax.s", "0010100 ----- ----- 001 ----- 1010011", R, Flag.FP),
    FCVT_W_S("fcvt.w.s", "1100000 00000 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_WU_S("fcvt.wu.s", "1100000 00001 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_L_S("fcvt.l.s", "1100000 00010 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_LU_S("fcvt.lu.s", "1100000 00011 ----- --- ----- 1010011", R, Flag.FP),
    FMV_X_W("fmv.x.w", "1110000 00000 ----- 000 ----- 1010011", R, Flag.FP),
    FCLASS_S("fclass.s", "1110000 00000 ----- 001 ----- 1010011", R, Flag.FP),
    FEQ_S("feq.s", "1010000 ----- ----- 010 ----- 1010011", R, Flag.FP),
    FLT_S("flt.s", "1010000 ----- ----- 001 ----- 1010011", R, Flag.FP),
    FLE_S("fle.s", "1010000 ----- ----- 000 ----- 1010011", R, Flag.FP),
    FCVT_S_W("fcvt.s.w", "1101000 00000 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_S_WU("fcvt.s.wu", "1101000 00001 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_S_L("fcvt.s.l", "1101000 00010 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_S_LU("fcvt.s.lu", "1101000 00011 ----- --- ----- 1010011", R, Flag.FP),
    FMV_W_X("fmv.w.x", "1111000 00000 ----- 000 ----- 1010011", R, Flag.FP),
    FADD_D("fadd.d", "0000001 ----- ----- --- ----- 1010011", R, Flag.FP),
    FSUB_D("fsub.d", "0000101 ----- ----- --- ----- 1010011", R, Flag.FP),
    FMUL_D("fmul.d", "0001001 ----- ----- --- ----- 1010011", R, Flag.FP),
    FDIV_D("fdiv.d", "0001101 ----- ----- --- ----- 1010011", R, Flag.FP),
    FSQRT_D("fsqrt.d", "0101101 00000 ----- --- ----- 1010011", R, Flag.FP),
    FSGNJ_D("fsgnj.d", "0010001 ----- ----- 000 ----- 1010011", R, Flag.FP),
    FSGNJN_D("fsgnjn.d", "0010001 ----- ----- 001 ----- 1010011", R, Flag.FP),
    FSGNJX_D("fsgnjx.d", "0010001 ----- ----- 010 ----- 1010011", R, Flag.FP),
    FMIN_D("fmin.d", "0010101 ----- ----- 000 ----- 1010011", R, Flag.FP),
    FMAX_D("fmax.d", "0010101 ----- ----- 001 ----- 1010011", R, Flag.FP),
    FCVT_S_D("fcvt.s.d", "0100000 00001 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_D_S("fcvt.d.s", "0100001 00000 ----- --- ----- 1010011", R, Flag.FP),
    FEQ_D("feq.d", "1010001 ----- ----- 010 ----- 1010011", R, Flag.FP),
    FLT_D("flt.d", "1010001 ----- ----- 001 ----- 1010011", R, Flag.FP),
    FLE_D("fle.d", "1010001 ----- ----- 000 ----- 1010011", R, Flag.FP),
    FCLASS_D("fclass.d", "1110001 00000 ----- 001 ----- 1010011", R, Flag.FP),
    FCVT_W_D("fcvt.w.d", "1100001 00000 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_WU_D("fcvt.wu.d", "1100001 00001 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_L_D("fcvt.l.d", "1100001 00010 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_LU_D("fcvt.lu.d", "1100001 00011 ----- --- ----- 1010011", R, Flag.FP),
    FMV_X_D("fmv.x.d", "1110001 00000 ----- 000 ----- 1010011", R, Flag.FP),
    FCVT_D_W("fcvt.d.w", "1101001 00000 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_D_WU("fcvt.d.wu", "1101001 00001 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_D_L("fcvt.d.l", "1101001 00010 ----- --- ----- 1010011", R, Flag.FP),
    FCVT_D_LU("fcvt.d.lu", "1101001 00011 ----- --- ----- 1010011", R, Flag.FP),
    FMV_D_X("fmv.d.x", "1111001 00000 ----- 000 ----- 1010011", R, Flag.FP),
    /** Not an instruction: what the decoder gives for an encoding no entry matches. Executing it traps. */
    ILLEGAL("illegal", null, NONE, Flag.ENDS_BLOCK);

    /** Properties the decoder and the block builder need. */
    public enum Flag { JUMP, ENDS_BLOCK, LOAD, STORE, AMO, FP }

    public final String mnemonic;
    public final Format format;
    final int mask;
    final int match;
    private final int flags;

    Op(String mnemonic, String pattern, Format format, Flag... flags) {
        this.mnemonic = mnemonic;
        this.format = format;
        Pattern p = pattern == null ? new Pattern(0, 0) : Pattern.parse(name(), pattern, 32);
        int m = p.mask(), v = p.match();
        this.mask = m;
        this.match = v;
        int f = 0;
        for (Flag flag : flags) f |= 1 << flag.ordinal();
        this.flags = f;
    }

    public boolean has(Flag flag) { return (flags & (1 << flag.ordinal())) != 0; }

    /**
     * Whether a decoded block must end after this instruction: jumps and system instructions. A conditional
     * branch does not end one: its fall-through continues the block (a superblock with side exits).
     */
    public boolean endsBlock() { return has(Flag.ENDS_BLOCK) || has(Flag.JUMP) && !isConditionalBranch(); }

    /** BEQ, BNE, BLT, BGE, BLTU, BGEU. */
    public boolean isConditionalBranch() { return format == B; }
}
