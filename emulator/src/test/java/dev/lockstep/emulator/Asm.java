// Test support: a tiny RV64 assembler, one encoder per instruction format, for hand-written guests.
package dev.lockstep.emulator;

import java.io.ByteArrayOutputStream;

/** Encodes instructions as the unprivileged spec's base formats lay them out; {@link Program} places them. */
public final class Asm {
    private Asm() {}

    public static final int ZERO = 0, RA = 1, SP = 2, T0 = 5, T1 = 6, T2 = 7, S0 = 8, S1 = 9, A0 = 10, A1 = 11;
    public static final int MSTATUS = 0x300, MTVEC = 0x305, MSCRATCH = 0x340, MEPC = 0x341, MCAUSE = 0x342,
            MTVAL = 0x343, PMPCFG0 = 0x3a0, PMPADDR0 = 0x3b0;

    public static int r(int f7, int rs2, int rs1, int f3, int rd, int opcode) {
        return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
    }

    public static int i(int imm, int rs1, int f3, int rd, int opcode) {
        return (imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
    }

    public static int s(int imm, int rs2, int rs1, int f3, int opcode) {
        return ((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1f) << 7 | opcode;
    }

    public static int b(int off, int rs2, int rs1, int f3) {
        return ((off >> 12) & 1) << 31 | ((off >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12
                | ((off >> 1) & 0xf) << 8 | ((off >> 11) & 1) << 7 | 0x63;
    }

    public static int u(int imm20, int rd, int opcode) { return imm20 << 12 | rd << 7 | opcode; }

    public static int j(int off, int rd) {
        return ((off >> 20) & 1) << 31 | ((off >> 1) & 0x3ff) << 21 | ((off >> 11) & 1) << 20 | ((off >> 12) & 0xff) << 12
                | rd << 7 | 0x6f;
    }

    public static int lui(int rd, int imm20) { return u(imm20, rd, 0x37); }
    public static int auipc(int rd, int imm20) { return u(imm20, rd, 0x17); }
    public static int addi(int rd, int rs1, int imm) { return i(imm, rs1, 0, rd, 0x13); }
    public static int slli(int rd, int rs1, int shamt) { return i(shamt, rs1, 1, rd, 0x13); }
    public static int add(int rd, int rs1, int rs2) { return r(0, rs2, rs1, 0, rd, 0x33); }
    public static int jal(int rd, int off) { return j(off, rd); }
    public static int jalr(int rd, int rs1, int imm) { return i(imm, rs1, 0, rd, 0x67); }
    public static int beq(int rs1, int rs2, int off) { return b(off, rs2, rs1, 0); }
    public static int bne(int rs1, int rs2, int off) { return b(off, rs2, rs1, 1); }
    public static int ld(int rd, int rs1, int imm) { return i(imm, rs1, 3, rd, 0x03); }
    public static int sd(int rs2, int rs1, int imm) { return s(imm, rs2, rs1, 3, 0x23); }
    public static int csrrw(int rd, int csr, int rs1) { return i(csr, rs1, 1, rd, 0x73); }
    public static int csrrs(int rd, int csr, int rs1) { return i(csr, rs1, 2, rd, 0x73); }
    public static int csrw(int csr, int rs1) { return csrrw(ZERO, csr, rs1); }
    public static int csrr(int rd, int csr) { return csrrs(rd, csr, ZERO); }
    public static int ecall() { return 0x00000073; }
    public static int ebreak() { return 0x00100073; }
    public static int mret() { return 0x30200073; }
    public static int wfi() { return 0x10500073; }
    /** jal x0, 0: a one-instruction infinite loop that retires on every iteration. */
    public static int spin() { return jal(ZERO, 0); }

    /** Instruction words laid out from a base address, padded to any offset with zeros. */
    public static final class Program {
        private final long base;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        public Program(long base) { this.base = base; }

        public long base() { return base; }

        /** The address the next word goes to. */
        public long here() { return base + bytes.size(); }

        public Program at(long address) {
            int off = (int) (address - base);
            if (off < bytes.size()) throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is already filled");
            while (bytes.size() < off) bytes.write(0);
            return this;
        }

        public Program word(int... words) {
            for (int w : words) half(w).half(w >>> 16);
            return this;
        }

        public Program half(int h) {
            bytes.write(h);
            bytes.write(h >>> 8);
            return this;
        }

        public byte[] bytes() { return bytes.toByteArray(); }
    }
}
