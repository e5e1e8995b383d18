// The disassembler prints instructions in the spec's assembler syntax, targets absolute.
package dev.lockstep.emulator.isa;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Words and addresses from riscv64-unknown-elf-objdump -d -M no-aliases of guests/prebuilt/selftest.elf. */
class DisassemblerTest {
    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
            "10000737 | 8000010c | lui a4, 0x10000",
            "00004197 | 80000008 | auipc gp, 0x4",
            "7ee000ef | 80000044 | jal ra, 0x80000832",
            "00078d67 | 80000d7c | jalr s10, 0(a5)",
            "00f50c63 | 80000108 | beq a0, a5, 0x80000120",
            "02f76363 | 80000758 | bltu a4, a5, 0x8000077e",
            "ff87b503 | 8000014c | ld a0, -8(a5)",
            "0002b023 | 8000002c | sd zero, 0(t0)",
            "8002829b | 800001c6 | addiw t0, t0, -2048",
            "f14022f3 | 80000000 | csrrs t0, mhartid, zero",
            "30529073 | 8000003c | csrrw zero, mtvec, t0",
            "3401f5f3 | 80001a0c | csrrci a1, mscratch, 3",
            "1009a5af | 80001854 | lr.w a1, (s3)",
            "18e9b92f | 800018cc | sc.d s2, a4, (s3)",
            "00f9b5af | 80001772 | amoadd.d a1, a5, (s3)",
            "028435b3 | 800013a8 | mulhu a1, s0, s0",
            "0295d5bb | 8000152c | divuw a1, a1, s1",
            "401cd59b | 80000bae | sraiw a1, s9, 1",
            "fffbb593 | 80000a38 | sltiu a1, s7, -1",
            "30200073 | 80000000 | mret",
            "10500073 | 80000000 | wfi",
            "0100000f | 80000000 | pause",
            "0ff0000f | 80000000 | fence",
            "00000073 | 80000000 | ecall",
            "ffffffff | 80000000 | illegal 0xffffffff",
    })
    void printsKnownInstructions(String word, String pc, String expected) {
        assertThat(Disassembler.disassemble((int) Long.parseLong(word, 16), Long.parseLong(pc, 16))).isEqualTo(expected);
    }

    /**
     * A compressed word prints as the base instruction it expands to, as the Disassembler promises. Prefixing
     * the base mnemonic with "c." would name other, real RVC instructions: c.li a0,0 would read
     * "c.addi a0, zero, 0" and c.j would read "c.jal", which on RV64 does not exist.
     */
    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
            "4501 | 80000000 | addi a0, zero, 0",
            "bfdd | 80000032 | jal zero, 0x80000028",
            "8082 | 80000000 | jalr zero, 0(ra)",
            "850a | 80000000 | add a0, zero, sp",
            "e406 | 80000000 | sd ra, 8(sp)",
            "0000 | 80000000 | illegal 0x0000",
    })
    void compressedInstructionsPrintAsTheirExpansion(String half, String pc, String expected) {
        assertThat(Disassembler.disassemble(Integer.parseInt(half, 16), Long.parseLong(pc, 16))).isEqualTo(expected);
    }
}
