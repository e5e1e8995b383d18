// Instruction formats of the RISC-V spec: how each one's fields sit in the instruction word.
package dev.lockstep.emulator.isa;

/** The 32-bit formats of the unprivileged spec (chapter "Base Instruction Formats"), plus the few
 * variants whose immediates sit elsewhere (shift amounts, CSR numbers, fused multiply-add). */
public enum Format {
    R, I, S, B, U, J,
    /** I-type whose immediate is a 6-bit shift amount (RV64 slli/srli/srai). */
    SHIFT,
    /** I-type whose immediate is a 5-bit shift amount (the *W shifts). */
    SHIFTW,
    /** CSR instructions: the CSR number in bits 31:20, rs1 or a 5-bit immediate in bits 19:15. */
    CSR,
    /** Fused multiply-add: rs3 in bits 31:27. */
    R4,
    /** No operands (ecall, mret, ...). */
    NONE;

    static int rd(int w) { return (w >>> 7) & 31; }
    static int rs1(int w) { return (w >>> 15) & 31; }
    static int rs2(int w) { return (w >>> 20) & 31; }
    static int rs3(int w) { return (w >>> 27) & 31; }
    static int funct3(int w) { return (w >>> 12) & 7; }

    /** The immediate of an instruction of this format, sign-extended to 64 bits. */
    long imm(int w) {
        return switch (this) {
            case I -> w >> 20;
            case S -> ((w >> 25) << 5) | ((w >>> 7) & 0x1f);
            case B -> ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
            case U -> (long) (w & 0xfffff000);
            case J -> ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);
            case SHIFT -> (w >>> 20) & 0x3f;
            case SHIFTW -> (w >>> 20) & 0x1f;
            case CSR -> (w >>> 20) & 0xfff;
            case R, R4, NONE -> 0;
        };
    }
}
