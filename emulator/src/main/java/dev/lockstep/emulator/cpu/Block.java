// A run of decoded instructions from one page, ending at a jump, a system instruction or the page end.
package dev.lockstep.emulator.cpu;

import dev.lockstep.emulator.isa.Insn;

/** Decoded straight-line code, cached by physical address and dropped when its code is overwritten. */
final class Block {
    final long pa;
    final int gen;
    final Insn[] insns;
    /** Times the interpreter ran this block; at {@link BlockCompiler#THRESHOLD} it is translated. */
    int hits;
    BlockCompiler.Compiled compiled;

    Block(long pa, int gen, Insn[] insns) {
        this.pa = pa;
        this.gen = gen;
        this.insns = insns;
    }
}
