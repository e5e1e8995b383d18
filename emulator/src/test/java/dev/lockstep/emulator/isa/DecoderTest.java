// The instruction table and the decoder built from it: every entry decodes, and RVC expands as the spec says.
package dev.lockstep.emulator.isa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class DecoderTest {
    @ParameterizedTest
    @EnumSource(value = Op.class, names = "ILLEGAL", mode = EnumSource.Mode.EXCLUDE)
    void everyOpDecodesFromItsOwnMatchPattern(Op op) {
        Insn in = Decoder.decode(op.match);

        assertThat(in.op).isEqualTo(op);
        assertThat(in.len).isEqualTo(4);
    }

    @Test
    void theTableHasNoTwoEntriesWithTheSameEncoding() {
        long distinct = Arrays.stream(Op.values()).filter(o -> o != Op.ILLEGAL)
                .map(o -> o.mask + ":" + o.match).distinct().count();

        assertThat(distinct).isEqualTo(Op.values().length - 1);
    }

    @Test
    void aWordNoEntryMatchesDecodesAsIllegalKeepingItsBits() {
        Insn in = Decoder.decode(0xffffffff);

        assertThat(in.op).isEqualTo(Op.ILLEGAL);
        assertThat(in.raw).isEqualTo(0xffffffff);
        assertThat(in.len).isEqualTo(4);
    }

    @Test
    void writesToX0GoToTheSinkRegister() {
        Insn in = Decoder.decode(0x00000013); // addi zero, zero, 0 (nop)

        assertThat(in.rd).isEqualTo(Insn.SINK);
        assertThat(in.archRd()).isZero();
    }

    /**
     * Compressed words from riscv64-unknown-elf-objdump -d -M no-aliases of guests/prebuilt/selftest.elf, with
     * the base instruction each expands to (objdump's operands, as register numbers). -1 means "not used".
     */
    @ParameterizedTest(name = "0x{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "97ae | c.add a5,a1          | ADD    | 15 | 15 | 11 | 0",
            "02a1 | c.addi t0,8          | ADDI   |  5 |  5 | -1 | 8",
            "716d | c.addi16sp sp,-272   | ADDI   |  2 |  2 | -1 | -272",
            "0838 | c.addi4spn a4,sp,24  | ADDI   | 14 |  2 | -1 | 24",
            "2781 | c.addiw a5,0         | ADDIW  | 15 | 15 | -1 | 0",
            "9dbd | c.addw a1,a5         | ADDW   | 11 | 11 | 15 | 0",
            "8f7d | c.and a4,a5          | AND    | 14 | 14 | 15 | 0",
            "8b85 | c.andi a5,1          | ANDI   | 15 | 15 | -1 | 1",
            "9782 | c.jalr a5            | JALR   |  1 | 15 | -1 | 0",
            "8082 | c.jr ra              | JALR   |  0 |  1 | -1 | 0",
            "6398 | c.ld a4,0(a5)        | LD     | 14 | 15 | -1 | 0",
            "6292 | c.ldsp t0,256(sp)    | LD     |  5 |  2 | -1 | 256",
            "4501 | c.li a0,0            | ADDI   | 10 |  0 | -1 | 0",
            "670d | c.lui a4,0x3         | LUI    | 14 | -1 | -1 | 12288",
            "43d8 | c.lw a4,4(a5)        | LW     | 14 | 15 | -1 | 4",
            "4722 | c.lwsp a4,8(sp)      | LW     | 14 |  2 | -1 | 8",
            "850a | c.mv a0,sp           | ADD    | 10 |  0 |  2 | 0",
            "e388 | c.sd a0,0(a5)        | SD     | -1 | 15 | 10 | 0",
            "e406 | c.sdsp ra,8(sp)      | SD     | -1 |  2 |  1 | 8",
            "00be | c.slli ra,0xf        | SLLI   |  1 |  1 | -1 | 15",
            "9771 | c.srai a4,0x3c       | SRAI   | 14 | 14 | -1 | 60",
            "8185 | c.srli a1,0x1        | SRLI   | 11 | 11 | -1 | 1",
            "8d9d | c.sub a1,a5          | SUB    | 11 | 11 | 15 | 0",
            "9f1d | c.subw a4,a5         | SUBW   | 14 | 14 | 15 | 0",
            "c388 | c.sw a0,0(a5)        | SW     | -1 | 15 | 10 | 0",
            "c43a | c.swsp a4,8(sp)      | SW     | -1 |  2 | 14 | 8",
            "8dbd | c.xor a1,a5          | XOR    | 11 | 11 | 15 | 0",
            "8fd9 | c.or a5,a4           | OR     | 15 | 15 | 14 | 0",
            "9002 | c.ebreak             | EBREAK | -1 | -1 | -1 | 0",
            // branches and jumps: offsets from objdump's targets (c.j at 80000032 -> 80000028, ...)
            "bfdd | c.j 80000028         | JAL    |  0 | -1 | -1 | -10",
            "dfe5 | c.beqz a5,80000110   | BEQ    | -1 | 15 |  0 | -8",
            "fff5 | c.bnez a5,...        | BNE    | -1 | 15 |  0 | -4",
    })
    void compressedWordsExpandToTheirBaseInstruction(String hex, String objdump, Op op, int rd, int rs1, int rs2, long imm) {
        Insn in = Decoder.decode(Integer.parseInt(hex, 16));

        assertThat(in.len).isEqualTo(2);
        assertThat(in.compressed()).isTrue();
        assertThat(in.op).isEqualTo(op);
        if (rd >= 0) assertThat(in.archRd()).as("rd").isEqualTo(rd);
        if (rs1 >= 0) assertThat(in.rs1).as("rs1").isEqualTo(rs1);
        if (rs2 >= 0) assertThat(in.rs2).as("rs2").isEqualTo(rs2);
        assertThat(in.imm).as("immediate").isEqualTo(imm);
    }

    /** Encodings the RVC table reserves: c.unimp (all zeros), zero immediates, x0 where it is not allowed. */
    @ParameterizedTest(name = "0x{0}")
    @ValueSource(strings = {"0000", "6101", "8002", "4002", "6002", "6001", "2001"})
    void reservedCompressedEncodingsDecodeAsIllegal(String hex) {
        Insn in = Decoder.decode(Integer.parseInt(hex, 16));

        assertThat(in.op).isEqualTo(Op.ILLEGAL);
        assertThat(in.len).isEqualTo(2);
    }
}
