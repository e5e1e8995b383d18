package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.Bits.d;
import static dev.lockstep.emulator.fpu.Bits.f;
import static dev.lockstep.emulator.fpu.FpFlags.NX;
import static dev.lockstep.emulator.fpu.FpFlags.OF;
import static dev.lockstep.emulator.fpu.FpFlags.UF;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Rounding per mode, overflow per mode, and underflow with tininess detected after rounding. */
class RoundingTest {
    private final FpFlags flags = new FpFlags();

    @Test
    void eachModeRoundsAnInexactSumItsOwnWay() {
        double tiny = 0x1p-60; // 1 + tiny lies strictly between 1 and its successor
        assertThat(F64.add(d(1.0), d(tiny), Frm.RNE, flags)).isEqualTo(d(1.0));
        assertThat(F64.add(d(1.0), d(tiny), Frm.RTZ, flags)).isEqualTo(d(1.0));
        assertThat(F64.add(d(1.0), d(tiny), Frm.RDN, flags)).isEqualTo(d(1.0));
        assertThat(F64.add(d(1.0), d(tiny), Frm.RUP, flags)).isEqualTo(d(Math.nextUp(1.0)));
        assertThat(F64.add(d(-1.0), d(-tiny), Frm.RDN, flags)).isEqualTo(d(-Math.nextUp(1.0)));
        assertThat(F64.add(d(-1.0), d(-tiny), Frm.RMM, flags)).isEqualTo(d(-1.0));
        assertThat(flags.bits()).isEqualTo(NX);
    }

    @Test
    void tiesGoToEvenInRneAndAwayInRmm() {
        double half = 0x1p-53; // exactly half an ulp of 1
        assertThat(F64.add(d(1.0), d(half), Frm.RNE, flags)).isEqualTo(d(1.0));
        assertThat(F64.add(d(1.0), d(half), Frm.RMM, flags)).isEqualTo(d(Math.nextUp(1.0)));
        assertThat(F32.add(f(-1.0f), f(-0x1p-24f), Frm.RMM, flags)).isEqualTo(f(-Math.nextUp(1.0f)));
        assertThat(flags.bits()).isEqualTo(NX);
    }

    @Test
    void overflowGivesInfinityOrTheLargestFiniteValueByMode() {
        long max = d(Double.MAX_VALUE);
        long two = d(2.0);
        long inf = d(Double.POSITIVE_INFINITY);
        assertThat(F64.mul(max, two, Frm.RNE, flags)).isEqualTo(inf);
        assertThat(F64.mul(max, two, Frm.RMM, flags)).isEqualTo(inf);
        assertThat(F64.mul(max, two, Frm.RUP, flags)).isEqualTo(inf);
        assertThat(F64.mul(max, two, Frm.RTZ, flags)).isEqualTo(max);
        assertThat(F64.mul(max, two, Frm.RDN, flags)).isEqualTo(max);
        long negMax = d(-Double.MAX_VALUE);
        assertThat(F64.mul(negMax, two, Frm.RDN, flags)).isEqualTo(d(Double.NEGATIVE_INFINITY));
        assertThat(F64.mul(negMax, two, Frm.RUP, flags)).isEqualTo(negMax);
        assertThat(flags.bits()).isEqualTo(OF | NX);
    }

    @Test
    void overflowIsJudgedAfterRounding() {
        // MAX + half an ulp of MAX rounds to 2^1024 in RNE (a tie, to even), which overflows;
        // in RTZ it rounds to MAX, which does not.
        long halfUlp = d(0x1p970);
        assertThat(F64.add(d(Double.MAX_VALUE), halfUlp, Frm.RNE, flags)).isEqualTo(d(Double.POSITIVE_INFINITY));
        assertThat(flags.bits()).isEqualTo(OF | NX);
        flags.clear();
        assertThat(F64.add(d(Double.MAX_VALUE), halfUlp, Frm.RTZ, flags)).isEqualTo(d(Double.MAX_VALUE));
        assertThat(flags.bits()).isEqualTo(NX);
    }

    // Tininess. RISC-V F, "Subnormal Arithmetic": "In the parlance of the IEEE standard, tininess is
    // detected after rounding." IEEE 754-2019 7.5: a result is tiny when, rounded to the format's
    // precision as though the exponent range were unbounded, it lies strictly between +-2^emin; and
    // under default handling UF is raised only when the delivered result is tiny and inexact.

    @Test
    void aValueThatRoundsUpToTheSmallestNormalWithUnboundedExponentIsNotTiny() {
        // (2^27 - 1)(2^27 + 1) 2^-1076 = 2^-1022 - 2^-1076: with 53 bits and no exponent limit it is a
        // tie between 2^-1022 - 2^-1075 and 2^-1022, and goes to 2^-1022, the even one: not tiny.
        long a = d(Math.scalb((double) ((1 << 27) - 1), -538));
        long b = d(Math.scalb((double) ((1 << 27) + 1), -538));
        assertThat(F64.mul(a, b, Frm.RNE, flags)).isEqualTo(d(Double.MIN_NORMAL));
        assertThat(flags.bits()).isEqualTo(NX);
    }

    @Test
    void theSameValueIsTinyWhenTheModeRoundsItDown() {
        long a = d(Math.scalb((double) ((1 << 27) - 1), -538));
        long b = d(Math.scalb((double) ((1 << 27) + 1), -538));
        assertThat(F64.mul(a, b, Frm.RTZ, flags)).isEqualTo(0x000f_ffff_ffff_ffffL);
        assertThat(flags.bits()).isEqualTo(UF | NX);
    }

    @Test
    void aTinyValueCanStillRoundToTheSmallestNormal() {
        // (1 - 2^-53) 2^-1022 has 53 bits, so it stays below 2^-1022 with an unbounded exponent: tiny.
        // Rounded to the subnormal grid it is a tie that goes to 2^-1022: delivered normal, yet UF.
        long justBelowOne = d(Math.nextDown(1.0));
        assertThat(F64.mul(justBelowOne, d(Double.MIN_NORMAL), Frm.RNE, flags)).isEqualTo(d(Double.MIN_NORMAL));
        assertThat(flags.bits()).isEqualTo(UF | NX);
    }

    @Test
    void narrowingDetectsTininessAfterRoundingToo() {
        // 2^-126 - 2^-151 rounds (24 bits, unbounded) to 2^-126: not tiny. 2^-126 - 2^-150 is exact in
        // 24 bits: tiny. Both deliver 2^-126.
        assertThat(F64.toF32(d(0x1p-126 - 0x1p-151), Frm.RNE, flags)).isEqualTo(f(Float.MIN_NORMAL));
        assertThat(flags.bits()).isEqualTo(NX);
        flags.clear();
        assertThat(F64.toF32(d(0x1p-126 - 0x1p-150), Frm.RNE, flags)).isEqualTo(f(Float.MIN_NORMAL));
        assertThat(flags.bits()).isEqualTo(UF | NX);
    }

    @Test
    void anExactSubnormalResultRaisesNoUnderflow() {
        assertThat(F64.mul(d(Double.MIN_NORMAL), d(0.5), Frm.RNE, flags)).isEqualTo(d(Double.MIN_NORMAL / 2));
        assertThat(F32.div(f(Float.MIN_VALUE * 6), f(3f), Frm.RUP, flags)).isEqualTo(f(Float.MIN_VALUE * 2));
        assertThat(flags.bits()).isZero();
    }

    @Test
    void anInexactResultThatRoundsToZeroUnderflows() {
        assertThat(F64.mul(d(Double.MIN_VALUE), d(0.25), Frm.RNE, flags)).isEqualTo(d(0.0));
        assertThat(F64.mul(d(Double.MIN_VALUE), d(-0.25), Frm.RDN, flags)).isEqualTo(d(-Double.MIN_VALUE));
        assertThat(flags.bits()).isEqualTo(UF | NX);
    }

    @Test
    void fusedMultiplyAddRoundsOnceNotTwice() {
        // a*b + c = 1 + 2^-23 + 2^-24 - 2^-54: rounding it to binary64 first would land exactly on the
        // binary32 midpoint 1 + 3*2^-24 and then round to even, 1 + 2^-22. Rounded once it is 1 + 2^-23.
        int a = f((1 - 0x1p-15f) * 0x1p-24f);
        int b = f(1 + 0x1p-15f);
        int c = f(1 + 0x1p-23f);
        assertThat(F32.fmadd(a, b, c, Frm.RNE, flags)).isEqualTo(f(1 + 0x1p-23f));
        assertThat(flags.bits()).isEqualTo(NX);
    }

    @Test
    void fusedMultiplyAddKeepsTheWholeProduct() {
        // (1 + 2^-52)^2 - 1 = 2^-51 + 2^-104: the 2^-104 survives only in a fused operation.
        long onePlusUlp = d(Math.nextUp(1.0));
        assertThat(F64.fmadd(onePlusUlp, onePlusUlp, d(-1.0), Frm.RTZ, flags)).isEqualTo(d(0x1p-51));
        assertThat(F64.fmadd(onePlusUlp, onePlusUlp, d(-1.0), Frm.RUP, flags)).isEqualTo(d(Math.nextUp(0x1p-51)));
        assertThat(flags.bits()).isEqualTo(NX);
    }
}
