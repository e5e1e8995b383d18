// The ELF reader trusts nothing: a damaged image is refused with a LockstepException, never another exception.
package dev.lockstep.emulator.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.TestGuests;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Random damage to hello.elf, in the headers where the offsets, counts and links live, and truncation. */
class ElfImagePropertiesTest {
    private static final byte[] HELLO = TestGuests.bytes("hello");

    /** Bytes anywhere in the ELF header, the program headers or the section headers. */
    @Property(tries = 2000)
    void corruptedHeaderBytesGiveAnImageOrAUserError(
            @ForAll @Size(min = 1, max = 8) int[] positions, @ForAll @Size(min = 8, max = 8) byte[] values) {
        byte[] d = HELLO.clone();
        for (int i = 0; i < positions.length; i++) d[headerOffset(positions[i])] = values[i];
        parseExpectingOnlyUserErrors(d);
    }

    /** Whole 32-bit fields (offsets, counts, sizes, links, indices) set to arbitrary values. */
    @Property(tries = 3000)
    void corruptedHeaderFieldsGiveAnImageOrAUserError(@ForAll int position, @ForAll int value) {
        byte[] d = HELLO.clone();
        int at = headerOffset(position) & ~3;
        ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        parseExpectingOnlyUserErrors(d);
    }

    /** Maps {@code n} onto a byte of the ELF header and program headers (first 256 bytes) or the section headers. */
    private static int headerOffset(int n) {
        int shoff = (int) ByteBuffer.wrap(HELLO).order(ByteOrder.LITTLE_ENDIAN).getLong(40);
        int choice = Math.floorMod(n, 2 * 1024);
        return choice < 1024 ? choice % 256 : shoff + Math.floorMod(n >> 11, HELLO.length - shoff);
    }

    @Property(tries = 300)
    void truncatedImagesGiveAnImageOrAUserError(@ForAll @IntRange(min = 0, max = 20_000) int length) {
        parseExpectingOnlyUserErrors(Arrays.copyOf(HELLO, Math.min(length, HELLO.length)));
    }

    private static void parseExpectingOnlyUserErrors(byte[] d) {
        try {
            ElfImage elf = ElfImage.parse("damaged.elf", d);
            assertThat(elf.segments()).isNotEmpty();
        } catch (LockstepException e) {
            assertThat(e.getMessage()).startsWith("damaged.elf").doesNotContain("\n");
        }
    }
}
