// What the ELF reader accepts and how it refuses what it cannot run, one damage at a time.
package dev.lockstep.emulator.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.TestGuests;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ElfImageTest {
    private static final byte[] HELLO = TestGuests.bytes("hello");

    private static ByteBuffer le(byte[] d) { return ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN); }

    /** Offset of section header {@code i}'s field at {@code field}. */
    private static int sh(byte[] d, int i, int field) {
        return (int) le(d).getLong(40) + i * (le(d).getShort(58) & 0xffff) + field;
    }

    private static int symtabIndex(byte[] d) {
        int n = le(d).getShort(60) & 0xffff;
        for (int i = 0; i < n; i++) if (le(d).getInt(sh(d, i, 4)) == 2) return i;
        throw new AssertionError("hello.elf has no symbol table");
    }

    /** Offset of the first PT_LOAD program header. */
    static int firstLoad(byte[] d) {
        int phoff = (int) le(d).getLong(32), size = le(d).getShort(54) & 0xffff, n = le(d).getShort(56) & 0xffff;
        for (int i = 0; i < n; i++) if (le(d).getInt(phoff + i * size) == 1) return phoff + i * size;
        throw new AssertionError("hello.elf has no PT_LOAD");
    }

    @Test
    void readsTheEntryTheSegmentsAndTheSymbols() {
        ElfImage elf = ElfImage.parse("hello.elf", HELLO);

        assertThat(elf.entry()).isEqualTo(0x80000000L);
        assertThat(elf.segments()).isNotEmpty().allMatch(s -> s.paddr() >= 0x80000000L);
        assertThat(elf.symbol("main")).isPresent();
        assertThat(elf.symbolAt(elf.symbol("main").orElseThrow().value() + 2)).map(ElfImage.Symbol::name).hasValue("main");
    }

    @Test
    void aNonElfFileIsRefusedByItsMissingMagic() {
        assertThatThrownBy(() -> ElfImage.parse("notes.txt", "hello, world\n".getBytes()))
                .isInstanceOf(LockstepException.class).hasMessage("notes.txt is not an ELF file (no ELF magic at its start)");
    }

    @Test
    void anElfForAnotherMachineIsRefusedNamingIt() {
        byte[] d = HELLO.clone();
        le(d).putShort(18, (short) 62);

        assertThatThrownBy(() -> ElfImage.parse("x.elf", d)).isInstanceOf(LockstepException.class)
                .hasMessageContaining("x86-64").hasMessageContaining("not RISC-V");
    }

    @Test
    void anElf32IsRefused() {
        byte[] d = HELLO.clone();
        d[4] = 1;

        assertThatThrownBy(() -> ElfImage.parse("x.elf", d)).isInstanceOf(LockstepException.class).hasMessageContaining("32-bit");
    }

    @Test
    void aTruncatedElfIsRefusedAsTruncated() {
        for (int len : new int[] {10, 63, 100, HELLO.length / 2}) {
            assertThatThrownBy(() -> ElfImage.parse("x.elf", Arrays.copyOf(HELLO, len))).as("cut to %d bytes", len)
                    .isInstanceOf(LockstepException.class).hasMessageContaining("truncated");
        }
    }

    @Test
    void aSymbolTableLinkedToANegativeSectionIndexIsIgnored() {
        byte[] d = HELLO.clone();
        le(d).putInt(sh(d, symtabIndex(d), 40), -1000);

        assertThat(ElfImage.parse("x.elf", d).symbols()).isEmpty();
    }

    @Test
    void aSymbolWithANegativeNameOffsetIsSkipped() {
        byte[] d = HELLO.clone();
        int symtab = (int) le(d).getLong(sh(d, symtabIndex(d), 24));
        int size = (int) le(d).getLong(sh(d, symtabIndex(d), 32));
        for (int e = symtab; e < symtab + size; e += 24) le(d).putInt(e, -100_000);

        assertThat(ElfImage.parse("x.elf", d).symbols()).isEmpty();
    }

    @Test
    void aSymbolTableLinkedToItselfOrAnotherSectionStillParses() {
        byte[] d = HELLO.clone();
        int sym = symtabIndex(d);
        le(d).putInt(sh(d, sym, 40), sym);

        assertThat(ElfImage.parse("x.elf", d).segments()).isNotEmpty();
    }

    @Test
    void programHeadersAtAnOffsetThatOverflowAreRefused() {
        byte[] d = HELLO.clone();
        le(d).putLong(32, Long.MAX_VALUE - 8);

        assertThatThrownBy(() -> ElfImage.parse("x.elf", d)).isInstanceOf(LockstepException.class).hasMessageContaining("truncated");
    }

    @Test
    void aSegmentWhoseFileRangeOverflowsIsRefused() {
        byte[] d = HELLO.clone();
        int ph = firstLoad(d);
        le(d).putLong(ph + 8, 16).putLong(ph + 32, Long.MAX_VALUE);

        assertThatThrownBy(() -> ElfImage.parse("x.elf", d)).isInstanceOf(LockstepException.class).hasMessageContaining("truncated");
    }
}
