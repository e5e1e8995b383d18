package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.Bits.F32_SNAN;
import static dev.lockstep.emulator.fpu.Bits.d;
import static dev.lockstep.emulator.fpu.Bits.f;
import static dev.lockstep.emulator.fpu.FpFlags.NV;
import static dev.lockstep.emulator.fpu.FpFlags.NX;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Float-to-integer conversions follow the F extension's table "Domains of float-to-integer
 * conversions and behavior for invalid inputs": NaN converts to the largest value, +-infinity and
 * rounded values out of range saturate, all with NV and without NX; the range check is on the
 * rounded value.
 */
class ConversionSaturationTest {
    private final FpFlags flags = new FpFlags();

    @Test
    void nanConvertsToTheLargestSignedWord() {
        assertThat(F32.toInt32(F32_SNAN, Frm.RNE, flags)).isEqualTo(Integer.MAX_VALUE);
        assertThat(F64.toInt32(F64.CANONICAL_NAN | Long.MIN_VALUE, Frm.RNE, flags)).isEqualTo(Integer.MAX_VALUE);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void nanConvertsToAllOnesForUnsignedTypes() {
        assertThat(F32.toUint32(F32.CANONICAL_NAN, Frm.RNE, flags)).isEqualTo(0xffff_ffff);
        assertThat(F64.toUint64(F64.CANONICAL_NAN, Frm.RNE, flags)).isEqualTo(-1L);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void nanConvertsToTheLargestSignedDoubleword() {
        assertThat(F64.toInt64(F64.CANONICAL_NAN, Frm.RTZ, flags)).isEqualTo(Long.MAX_VALUE);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void infinitiesSaturateToTheLimits() {
        assertThat(F32.toInt32(f(Float.POSITIVE_INFINITY), Frm.RNE, flags)).isEqualTo(Integer.MAX_VALUE);
        assertThat(F32.toInt32(f(Float.NEGATIVE_INFINITY), Frm.RNE, flags)).isEqualTo(Integer.MIN_VALUE);
        assertThat(F64.toInt64(d(Double.NEGATIVE_INFINITY), Frm.RNE, flags)).isEqualTo(Long.MIN_VALUE);
        assertThat(F64.toUint32(d(Double.NEGATIVE_INFINITY), Frm.RNE, flags)).isZero();
        assertThat(F64.toUint64(d(Double.POSITIVE_INFINITY), Frm.RNE, flags)).isEqualTo(-1L);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void outOfRangeValuesSaturateWithNvAlone() {
        assertThat(F32.toInt32(f(3e9f), Frm.RNE, flags)).isEqualTo(Integer.MAX_VALUE);
        assertThat(F32.toInt32(f(-3e9f), Frm.RNE, flags)).isEqualTo(Integer.MIN_VALUE);
        assertThat(F64.toUint32(d(5e9), Frm.RNE, flags)).isEqualTo(0xffff_ffff);
        assertThat(F64.toInt64(d(0x1p63), Frm.RNE, flags)).isEqualTo(Long.MAX_VALUE);
        assertThat(F64.toUint64(d(0x1p64), Frm.RNE, flags)).isEqualTo(-1L);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void negativeValuesThatRoundBelowZeroGiveZeroForUnsignedWithNv() {
        assertThat(F64.toUint64(d(-1.0), Frm.RTZ, flags)).isZero();
        assertThat(F32.toUint32(f(-0.5f), Frm.RDN, flags)).isZero(); // rounds to -1
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void negativeFractionsThatRoundToZeroAreOnlyInexactForUnsigned() {
        assertThat(F32.toUint32(f(-0.9f), Frm.RTZ, flags)).isZero();
        assertThat(F64.toUint64(d(-0.5), Frm.RNE, flags)).isZero();
        assertThat(flags.bits()).isEqualTo(NX);
    }

    @Test
    void negativeZeroConvertsToZeroWithoutFlags() {
        assertThat(F64.toUint64(d(-0.0), Frm.RNE, flags)).isZero();
        assertThat(F32.toInt32(f(-0.0f), Frm.RNE, flags)).isZero();
        assertThat(flags.bits()).isZero();
    }

    @Test
    void theRangeCheckIsOnTheRoundedValue() {
        assertThat(F64.toInt32(d(2147483647.5), Frm.RTZ, flags)).isEqualTo(Integer.MAX_VALUE);
        assertThat(flags.bits()).isEqualTo(NX);
        flags.clear();
        assertThat(F64.toInt32(d(2147483647.5), Frm.RNE, flags)).isEqualTo(Integer.MAX_VALUE); // rounds to 2^31
        assertThat(flags.bits()).isEqualTo(NV);
        flags.clear();
        assertThat(F64.toInt32(d(-2147483648.5), Frm.RNE, flags)).isEqualTo(Integer.MIN_VALUE); // tie to even
        assertThat(flags.bits()).isEqualTo(NX);
        flags.clear();
        assertThat(F64.toInt32(d(-2147483648.5), Frm.RDN, flags)).isEqualTo(Integer.MIN_VALUE);
        assertThat(flags.bits()).isEqualTo(NV);
    }

    @Test
    void theSmallestSignedDoublewordIsInRange() {
        assertThat(F64.toInt64(d(-0x1p63), Frm.RNE, flags)).isEqualTo(Long.MIN_VALUE);
        assertThat(flags.bits()).isZero();
    }

    @Test
    void inRangeResultsRoundPerMode() {
        int twoAndAHalf = f(2.5f);
        assertThat(F32.toInt32(twoAndAHalf, Frm.RNE, flags)).isEqualTo(2);
        assertThat(F32.toInt32(twoAndAHalf, Frm.RMM, flags)).isEqualTo(3);
        assertThat(F32.toInt32(twoAndAHalf, Frm.RTZ, flags)).isEqualTo(2);
        assertThat(F32.toInt32(twoAndAHalf, Frm.RUP, flags)).isEqualTo(3);
        assertThat(F32.toInt32(f(-2.5f), Frm.RDN, flags)).isEqualTo(-3);
        assertThat(flags.bits()).isEqualTo(NX);
    }

    @Test
    void unsignedWordResultsAreBitsTheHartSignExtends() {
        // fcvt.wu.d of 2^32 - 1 writes 0xffffffff_ffffffff to rd on RV64: the library returns the
        // 32 bits and the hart widens every 32-bit fcvt result with (long) int.
        int word = F64.toUint32(d(4294967295.0), Frm.RNE, flags);
        assertThat((long) word).isEqualTo(-1L);
        assertThat(flags.bits()).isZero();
    }

    @Test
    void integersRoundToFloatPerMode() {
        assertThat(F32.fromInt32(16_777_217, Frm.RNE, flags)).isEqualTo(f(16_777_216f));
        assertThat(F32.fromInt32(16_777_217, Frm.RUP, flags)).isEqualTo(f(16_777_218f));
        assertThat(F32.fromUint64(-1L, Frm.RTZ, flags)).isEqualTo(0x5f7f_ffff);
        assertThat(F32.fromUint64(-1L, Frm.RNE, flags)).isEqualTo(f(0x1p64f));
        assertThat(F64.fromInt64((1L << 53) + 1, Frm.RDN, flags)).isEqualTo(d(0x1p53));
        assertThat(flags.bits()).isEqualTo(NX);
    }

    @Test
    void integerZeroIsPositiveZeroEvenRoundingDown() {
        assertThat(F32.fromInt32(0, Frm.RDN, flags)).isZero();
        assertThat(F64.fromInt64(0, Frm.RDN, flags)).isZero();
        assertThat(flags.bits()).isZero();
    }
}
