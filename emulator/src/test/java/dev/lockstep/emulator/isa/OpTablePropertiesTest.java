// Properties of the instruction table over random operand fields (jqwik; kept apart from the JUnit examples).
package dev.lockstep.emulator.isa;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class OpTablePropertiesTest {
    /** No two table entries overlap: whatever fills an entry's fields, the word still decodes to that entry. */
    @Property(tries = 3000)
    void everyOpDecodesFromItsPatternWhateverItsFieldsHold(@ForAll int fields) {
        for (Op op : Op.values()) {
            if (op == Op.ILLEGAL) continue;
            int word = op.match | (fields & ~op.mask);
            assertThat(Decoder.decode(word).op).as("0x%08x from %s's pattern", word, op).isEqualTo(op);
        }
    }

    /** Decoding is total: any 32-bit word gives an Insn (ILLEGAL at worst) of the length its low bits say. */
    @Property(tries = 20000)
    void anyWordDecodesToSomethingOfTheRightLength(@ForAll int word) {
        Insn in = Decoder.decode(word);

        assertThat(in.len).isEqualTo((word & 3) == 3 ? 4 : 2);
        assertThat(in.op).isNotNull();
        assertThat(Disassembler.format(in, 0x80000000L)).isNotBlank();
    }
}
