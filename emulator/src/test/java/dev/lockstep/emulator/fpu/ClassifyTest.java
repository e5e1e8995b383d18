package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.Bits.F32_SNAN;
import static dev.lockstep.emulator.fpu.Bits.F64_SNAN;
import static dev.lockstep.emulator.fpu.Bits.d;
import static dev.lockstep.emulator.fpu.Bits.f;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** fclass sets exactly the bit of the F extension's table for its operand's class. */
class ClassifyTest {
    private static long hex(String bits) {
        return Long.parseUnsignedLong(bits.substring(2), 16);
    }

    @ParameterizedTest(name = "{0} is class bit {1}")
    @CsvSource({
        "-Infinity, 0", "-1.5, 1", "-4.9E-324, 2", "-0.0, 3", "0.0, 4", "4.9E-324, 5", "1.5, 6", "Infinity, 7"
    })
    void doublesClassifyBySignAndKind(double value, int bit) {
        assertThat(F64.classify(d(value))).isEqualTo(1 << bit);
    }

    @ParameterizedTest(name = "{0} is class bit {1}")
    @CsvSource({
        "-Infinity, 0", "-1.5, 1", "-1.4E-45, 2", "-0.0, 3", "0.0, 4", "1.4E-45, 5", "1.5, 6", "Infinity, 7"
    })
    void floatsClassifyBySignAndKind(float value, int bit) {
        assertThat(F32.classify(f(value))).isEqualTo(1 << bit);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"0x000fffffffffffff, 5", "0x0010000000000000, 6", "0x7fefffffffffffff, 6", "0x800fffffffffffff, 2"})
    void theSubnormalNormalBoundaryIsExact(String bits, int bit) {
        assertThat(F64.classify(hex(bits))).isEqualTo(1 << bit);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"0x7fc00000, 9", "0xffc00001, 9", "0x7f800001, 8", "0xffbfffff, 8"})
    void floatNansAreQuietOrSignalingByTheirTopFractionBit(String bits, int bit) {
        assertThat(F32.classify((int) hex(bits))).isEqualTo(1 << bit);
        assertThat(F32.classify(F32_SNAN)).isEqualTo(1 << 8);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"0x7ff8000000000000, 9", "0x7ff0000000000001, 8"})
    void doubleNansAreQuietOrSignalingByTheirTopFractionBit(String bits, int bit) {
        assertThat(F64.classify(hex(bits))).isEqualTo(1 << bit);
        assertThat(F64.classify(F64_SNAN)).isEqualTo(1 << 8);
    }
}
