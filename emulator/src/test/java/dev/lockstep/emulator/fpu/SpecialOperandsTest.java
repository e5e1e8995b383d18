package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.Bits.F32_QNAN_WITH_PAYLOAD;
import static dev.lockstep.emulator.fpu.Bits.F32_SNAN;
import static dev.lockstep.emulator.fpu.Bits.F64_QNAN_WITH_PAYLOAD;
import static dev.lockstep.emulator.fpu.Bits.F64_SNAN;
import static dev.lockstep.emulator.fpu.Bits.d;
import static dev.lockstep.emulator.fpu.Bits.f;
import static dev.lockstep.emulator.fpu.FpFlags.DZ;
import static dev.lockstep.emulator.fpu.FpFlags.NV;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** NaNs, infinities, zeros and the invalid-operation and divide-by-zero flags. */
class SpecialOperandsTest {
    private final FpFlags flags = new FpFlags();

    @Test
    void zeroTimesInfinityInAnFmaIsInvalidEvenWithAQuietNanAddend() {
        // F extension: "must set the invalid operation exception flag when the multiplicands are
        // infinity and zero, even when the addend is a quiet NaN."
        assertThat(F64.fmadd(d(0.0), d(Double.POSITIVE_INFINITY), F64.CANONICAL_NAN, Frm.RNE, flags))
                .isEqualTo(F64.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
        flags.clear();
        assertThat(F32.fnmadd(f(Float.NEGATIVE_INFINITY), f(-0.0f), F32_QNAN_WITH_PAYLOAD, Frm.RTZ, flags))
                .isEqualTo(F32.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void anInfiniteProductMinusTheSameInfinityIsInvalid() {
        assertThat(F64.fmsub(d(Double.POSITIVE_INFINITY), d(2.0), d(Double.POSITIVE_INFINITY), Frm.RNE, flags))
                .isEqualTo(F64.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void anInfiniteProductPlusAFiniteAddendIsExact() {
        assertThat(F32.fmadd(f(Float.POSITIVE_INFINITY), f(-2f), f(1e30f), Frm.RNE, flags))
                .isEqualTo(f(Float.NEGATIVE_INFINITY));
        assertThat(flags.bits()).isZero();
    }

    @Test
    void dividingAFiniteNonzeroValueByZeroRaisesDzAndGivesASignedInfinity() {
        assertThat(F64.div(d(-3.0), d(0.0), Frm.RNE, flags)).isEqualTo(d(Double.NEGATIVE_INFINITY));
        assertThat(F32.div(f(1e-40f), f(-0.0f), Frm.RTZ, flags)).isEqualTo(f(Float.NEGATIVE_INFINITY));
        assertThat(flags.bits()).isEqualTo(DZ);
    }

    @Test
    void zeroOverZeroIsInvalidNotDivideByZero() {
        assertThat(F64.div(d(0.0), d(-0.0), Frm.RNE, flags)).isEqualTo(F64.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void infinityOverZeroRaisesNothing() {
        assertThat(F32.div(f(Float.POSITIVE_INFINITY), f(0.0f), Frm.RNE, flags)).isEqualTo(f(Float.POSITIVE_INFINITY));
        assertThat(flags.bits()).isZero();
    }

    @Test
    void infinityMinusInfinityIsInvalid() {
        assertThat(F64.sub(d(Double.POSITIVE_INFINITY), d(Double.POSITIVE_INFINITY), Frm.RNE, flags))
                .isEqualTo(F64.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void theSquareRootOfANegativeNumberIsInvalid() {
        assertThat(F64.sqrt(d(-1.0), Frm.RNE, flags)).isEqualTo(F64.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
        flags.clear();
        assertThat(F32.sqrt(f(Float.NEGATIVE_INFINITY), Frm.RNE, flags)).isEqualTo(F32.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void theSquareRootOfNegativeZeroIsNegativeZero() {
        assertThat(F64.sqrt(d(-0.0), Frm.RNE, flags)).isEqualTo(d(-0.0));
        assertThat(F32.sqrt(f(-0.0f), Frm.RUP, flags)).isEqualTo(f(-0.0f));
        assertThat(flags.bits()).isZero();
    }

    @Test
    void quietNanOperandsGiveTheCanonicalNanWithoutFlags() {
        assertThat(F64.add(F64_QNAN_WITH_PAYLOAD, d(1.0), Frm.RNE, flags)).isEqualTo(F64.CANONICAL_NAN);
        assertThat(F32.mul(f(2f), F32_QNAN_WITH_PAYLOAD | 0x8000_0000, Frm.RDN, flags)).isEqualTo(F32.CANONICAL_NAN);
        assertThat(F32.sqrt(F32_QNAN_WITH_PAYLOAD, Frm.RNE, flags)).isEqualTo(F32.CANONICAL_NAN);
        assertThat(flags.bits()).isZero();
    }

    @Test
    void signalingNanOperandsRaiseNv() {
        assertThat(F64.mul(F64_SNAN, d(0.0), Frm.RNE, flags)).isEqualTo(F64.CANONICAL_NAN);
        assertThat(F32.add(f(1f), F32_SNAN, Frm.RNE, flags)).isEqualTo(F32.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void wideningASignalingNanRaisesNvAndCanonicalizes() {
        assertThat(F32.toF64(F32_SNAN, flags)).isEqualTo(F64.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
        flags.clear();
        assertThat(F32.toF64(F32_QNAN_WITH_PAYLOAD, flags)).isEqualTo(F64.CANONICAL_NAN);
        assertThat(flags.bits()).isZero();
    }

    @Test
    void narrowingASignalingNanRaisesNvAndCanonicalizes() {
        assertThat(F64.toF32(F64_SNAN, Frm.RNE, flags)).isEqualTo(F32.CANONICAL_NAN);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void anExactZeroSumIsPositiveExceptWhenRoundingDown() {
        assertThat(F64.sub(d(1.5), d(1.5), Frm.RNE, flags)).isEqualTo(d(0.0));
        assertThat(F64.sub(d(1.5), d(1.5), Frm.RDN, flags)).isEqualTo(d(-0.0));
        assertThat(F32.add(f(0.0f), f(-0.0f), Frm.RUP, flags)).isEqualTo(f(0.0f));
        assertThat(F32.add(f(0.0f), f(-0.0f), Frm.RDN, flags)).isEqualTo(f(-0.0f));
        assertThat(F64.fmadd(d(1.0), d(1.0), d(-1.0), Frm.RDN, flags)).isEqualTo(d(-0.0));
        assertThat(F32.fmsub(f(2f), f(3f), f(6f), Frm.RTZ, flags)).isEqualTo(f(0.0f));
        assertThat(flags.bits()).isZero();
    }

    @Test
    void zerosOfTheSameSignKeepItInEveryMode() {
        for (int rm = Frm.RNE; rm <= Frm.RMM; rm++) {
            assertThat(F64.add(d(-0.0), d(-0.0), rm, flags)).isEqualTo(d(-0.0));
            assertThat(F32.fnmadd(f(0.0f), f(1f), f(0.0f), rm, flags)).isEqualTo(f(-0.0f)); // -(+0) - (+0)
        }
        assertThat(flags.bits()).isZero();
    }

    @Test
    void reservedRoundingModesAreAProgrammingError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> F64.add(d(1.0), d(0x1p-60), 5, flags))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
