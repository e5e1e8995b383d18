// `run --signature`: riscv-arch-test's signature region written as spike writes it, and clear errors without one.
package dev.lockstep.shell;

import static dev.lockstep.emulator.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignatureTest {
    @TempDir
    Path dir;

    private static final long RAM = 0x8000_0000L, SIGNATURE = RAM + 0x80000, TOHOST = RAM + 0x90018;

    /** Stores 0x12345678 and then -1 (a doubleword) into the 16-byte signature, then ends by writing tohost. */
    private Path test(Map<String, Long> symbols) throws IOException {
        int sw = s(0, T0, A0, 2, 0x23);
        byte[] elf = TinyElf.of(RAM, symbols,
                auipc(A0, 0x80),              // a0 = SIGNATURE
                lui(T0, 0x12345), addi(T0, T0, 0x678), sw,
                addi(T1, ZERO, -1), sd(T1, A0, 8),
                auipc(A1, 0x90),              // at RAM + 24: a1 = TOHOST
                addi(T2, ZERO, 1), sd(T2, A1, 0), // tohost = 1: exit code 0
                spin());
        return Files.write(dir.resolve("sig.elf"), elf);
    }

    private Path test() throws IOException {
        return test(Map.of("begin_signature", SIGNATURE, "end_signature", SIGNATURE + 16, "tohost", TOHOST));
    }

    @Test
    void theRegionIsWrittenAWordPerLineMostSignificantByteFirst() throws IOException {
        Path out = dir.resolve("out.sig");

        Cli.Result r = Cli.run("run", "--signature", out.toString(), test().toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readString(out)).isEqualTo("12345678\n00000000\nffffffff\nffffffff\n");
    }

    @Test
    void theGranularityIsTheBytesPerLine() throws IOException {
        Path out = dir.resolve("out.sig");

        Cli.Result r = Cli.run("run", "--signature", out.toString(), "--signature-granularity", "8", test().toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readString(out)).isEqualTo("0000000012345678\nffffffffffffffff\n");
    }

    @Test
    void aGuestWithoutTheSymbolsIsRefusedBeforeItRuns() throws IOException {
        Path out = dir.resolve("out.sig");

        Cli.Result r = Cli.run("run", "--signature", out.toString(), test(Map.of("tohost", TOHOST)).toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("has no begin_signature symbol").doesNotContain("Exception");
        assertThat(out).doesNotExist();
    }

    @Test
    void aGranularityOtherThanAPowerOfTwoUpToEightIsRefused() throws IOException {
        Cli.Result r = Cli.run("run", "--signature", dir.resolve("x").toString(), "--signature-granularity", "3", test().toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--signature-granularity takes 1, 2, 4 or 8");
    }
}
