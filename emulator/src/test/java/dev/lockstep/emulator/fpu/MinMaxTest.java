package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.Bits.F32_SNAN;
import static dev.lockstep.emulator.fpu.Bits.F64_QNAN_WITH_PAYLOAD;
import static dev.lockstep.emulator.fpu.Bits.F64_SNAN;
import static dev.lockstep.emulator.fpu.Bits.d;
import static dev.lockstep.emulator.fpu.Bits.f;
import static dev.lockstep.emulator.fpu.FpFlags.NV;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** fmin/fmax are IEEE 754-2019 minimumNumber/maximumNumber, as F/D v2.2 specify. */
class MinMaxTest {
    private final FpFlags flags = new FpFlags();

    @Test
    void negativeZeroIsBelowPositiveZero() {
        assertThat(F64.min(d(0.0), d(-0.0), flags)).isEqualTo(d(-0.0));
        assertThat(F64.min(d(-0.0), d(0.0), flags)).isEqualTo(d(-0.0));
        assertThat(F64.max(d(-0.0), d(0.0), flags)).isEqualTo(d(0.0));
        assertThat(F32.max(f(0.0f), f(-0.0f), flags)).isEqualTo(f(0.0f));
        assertThat(F32.min(f(0.0f), f(-0.0f), flags)).isEqualTo(f(-0.0f));
        assertThat(flags.bits()).isZero();
    }

    @Test
    void aQuietNanOperandYieldsTheOtherWithoutFlags() {
        assertThat(F64.min(F64_QNAN_WITH_PAYLOAD, d(-3.0), flags)).isEqualTo(d(-3.0));
        assertThat(F32.max(f(2.0f), F32.CANONICAL_NAN, flags)).isEqualTo(f(2.0f));
        assertThat(flags.bits()).isZero();
    }

    @Test
    void aSignalingNanOperandYieldsTheOtherAndRaisesNv() {
        assertThat(F64.max(F64_SNAN, d(1.5), flags)).isEqualTo(d(1.5));
        assertThat(flags.bits()).isEqualTo(NV);
        flags.clear();
        assertThat(F32.min(f(1.5f), F32_SNAN, flags)).isEqualTo(f(1.5f));
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void twoNansYieldTheCanonicalNan() {
        assertThat(F64.min(F64_QNAN_WITH_PAYLOAD, F64_QNAN_WITH_PAYLOAD, flags)).isEqualTo(F64.CANONICAL_NAN);
        assertThat(flags.bits()).isZero();
        assertThat(F32.max(F32_SNAN, F32.CANONICAL_NAN | 0x8000_0000, flags)).isEqualTo(F32.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void orderedOperandsPickTheSmallerAndLarger() {
        assertThat(F64.min(d(Double.NEGATIVE_INFINITY), d(-1e308), flags)).isEqualTo(d(Double.NEGATIVE_INFINITY));
        assertThat(F32.max(f(Float.MIN_VALUE), f(-Float.MAX_VALUE), flags)).isEqualTo(f(Float.MIN_VALUE));
        assertThat(flags.bits()).isZero();
    }
}
