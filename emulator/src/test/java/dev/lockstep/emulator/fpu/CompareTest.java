package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.Bits.F32_SNAN;
import static dev.lockstep.emulator.fpu.Bits.F64_QNAN_WITH_PAYLOAD;
import static dev.lockstep.emulator.fpu.Bits.F64_SNAN;
import static dev.lockstep.emulator.fpu.Bits.d;
import static dev.lockstep.emulator.fpu.Bits.f;
import static dev.lockstep.emulator.fpu.FpFlags.NV;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** feq is a quiet comparison; flt and fle are signalling ones (F extension, "Floating-Point Compare"). */
class CompareTest {
    private final FpFlags flags = new FpFlags();

    @Test
    void eqWithAQuietNanIsFalseWithoutFlags() {
        assertThat(F64.eq(F64_QNAN_WITH_PAYLOAD, F64_QNAN_WITH_PAYLOAD, flags)).isFalse();
        assertThat(F32.eq(F32.CANONICAL_NAN, f(1f), flags)).isFalse();
        assertThat(flags.bits()).isZero();
    }

    @Test
    void eqWithASignalingNanRaisesNv() {
        assertThat(F64.eq(d(1.0), F64_SNAN, flags)).isFalse();
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void ltAndLeWithAQuietNanRaiseNv() {
        assertThat(F32.lt(F32.CANONICAL_NAN, f(1f), flags)).isFalse();
        assertThat(flags.bits()).isEqualTo(NV);
        flags.clear();
        assertThat(F64.le(d(1.0), F64_QNAN_WITH_PAYLOAD, flags)).isFalse();
        assertThat(flags.bits()).isEqualTo(NV);
        flags.clear();
        assertThat(F32.le(F32_SNAN, F32_SNAN, flags)).isFalse();
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void zerosOfEitherSignAreEqual() {
        assertThat(F64.eq(d(-0.0), d(0.0), flags)).isTrue();
        assertThat(F32.lt(f(-0.0f), f(0.0f), flags)).isFalse();
        assertThat(F32.le(f(0.0f), f(-0.0f), flags)).isTrue();
        assertThat(flags.bits()).isZero();
    }

    @Test
    void orderedValuesCompareByValue() {
        assertThat(F64.lt(d(-1.0), d(Double.MIN_VALUE), flags)).isTrue();
        assertThat(F64.le(d(Double.POSITIVE_INFINITY), d(Double.MAX_VALUE), flags)).isFalse();
        assertThat(F32.eq(f(3.5f), f(3.5f), flags)).isTrue();
        assertThat(flags.bits()).isZero();
    }
}
