// Prints decoded instructions in the assembler syntax of the spec, from the same tables that decode them.
package dev.lockstep.emulator.isa;

/** Disassembly for the debugger and error messages. Compressed instructions print as their expansion. */
public final class Disassembler {
    private Disassembler() {}

    private static final String[] X = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2",
            "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5",
            "t6", "zero"};
    private static final String[] F = {"ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1",
            "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10",
            "fs11", "ft8", "ft9", "ft10", "ft11"};

    /** ABI name of integer register {@code i}. */
    public static String xName(int i) { return X[i]; }

    /** ABI name of FP register {@code i}. */
    public static String fName(int i) { return F[i]; }

    /** Disassembles the word at address {@code pc}. */
    public static String disassemble(int word, long pc) { return format(Decoder.decode(word), pc); }

    /** {@code insn} as assembler text; branch and jump targets are absolute, computed from {@code pc}. */
    public static String format(Insn in, long pc) {
        Op op = in.op;
        String m = op.mnemonic;
        boolean fp = op.has(Op.Flag.FP);
        String rd = fp && !Decoder.writesIntRegister(op) ? F[in.rd] : X[in.rd];
        String rs1 = fp && !fpIntSource(op) ? F[in.rs1] : X[in.rs1];
        String rs2 = fp ? F[in.rs2] : X[in.rs2];
        if (op == Op.ILLEGAL) return String.format("illegal 0x%0" + (in.len * 2) + "x", in.raw);
        if (op.has(Op.Flag.LOAD) || op == Op.FLW || op == Op.FLD) return m + " " + rd + ", " + in.imm + "(" + X[in.rs1] + ")";
        if (op.has(Op.Flag.STORE) || op == Op.FSW || op == Op.FSD) return m + " " + rs2 + ", " + in.imm + "(" + X[in.rs1] + ")";
        if (op.has(Op.Flag.AMO)) {
            return op == Op.LR_W || op == Op.LR_D ? m + " " + rd + ", (" + rs1 + ")" : m + " " + rd + ", " + rs2 + ", (" + rs1 + ")";
        }
        return switch (op.format) {
            case R -> op == Op.SFENCE_VMA ? m + " " + rs1 + ", " + rs2
                    : singleSource(op) ? m + " " + rd + ", " + rs1 : m + " " + rd + ", " + rs1 + ", " + rs2;
            case R4 -> m + " " + F[in.rd] + ", " + F[in.rs1] + ", " + F[in.rs2] + ", " + F[in.rs3];
            case I -> op == Op.JALR ? m + " " + rd + ", " + in.imm + "(" + rs1 + ")" : m + " " + rd + ", " + rs1 + ", " + in.imm;
            case SHIFT, SHIFTW -> m + " " + rd + ", " + rs1 + ", " + in.imm;
            case S -> m + " " + rs2 + ", " + in.imm + "(" + rs1 + ")";
            case B -> m + " " + rs1 + ", " + rs2 + ", 0x" + Long.toHexString(pc + in.imm);
            case U -> m + " " + rd + ", 0x" + Long.toHexString((in.imm >>> 12) & 0xfffff);
            case J -> m + " " + rd + ", 0x" + Long.toHexString(pc + in.imm);
            case CSR -> {
                String csr = CsrNames.name((int) in.imm);
                yield op.ordinal() >= Op.CSRRWI.ordinal() ? m + " " + rd + ", " + csr + ", " + in.rs1 : m + " " + rd + ", " + csr + ", " + rs1;
            }
            case NONE -> m;
        };
    }

    private static boolean singleSource(Op op) {
        return op.has(Op.Flag.FP) && (op.name().startsWith("FCVT") || op.name().startsWith("FMV") || op.name().startsWith("FSQRT")
                || op.name().startsWith("FCLASS"));
    }

    private static boolean fpIntSource(Op op) {
        return op == Op.FMV_W_X || op == Op.FMV_D_X || (op.name().startsWith("FCVT_S_") || op.name().startsWith("FCVT_D_"))
                && !op.name().endsWith("_S") && !op.name().endsWith("_D");
    }
}
