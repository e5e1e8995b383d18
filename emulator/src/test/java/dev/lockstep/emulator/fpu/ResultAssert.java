package dev.lockstep.emulator.fpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.fpu.Reference.Result;

/** Compares an operation's bits and flags with the reference's, printing both in hex and mnemonics. */
final class ResultAssert {
    private ResultAssert() {}

    static void assertSame64(Result expected, long bits, FpFlags flags) {
        assertThat(describe64(bits, flags.bits())).isEqualTo(describe64(expected.bits(), expected.flags()));
    }

    static void assertSame32(Result expected, int bits, FpFlags flags) {
        assertThat(describe32(bits, flags.bits())).isEqualTo(describe32((int) expected.bits(), expected.flags()));
    }

    static String describe64(long bits, int flags) {
        return String.format("%016x (%s) flags %s", bits, Double.longBitsToDouble(bits), FpFlags.describe(flags));
    }

    static String describe32(int bits, int flags) {
        return String.format("%08x (%s) flags %s", bits, Float.intBitsToFloat(bits), FpFlags.describe(flags));
    }
}
