package dev.lockstep.emulator.fpu;

import static dev.lockstep.emulator.fpu.Bits.f;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A binary32 in a 64-bit f register is NaN-boxed (D extension, "NaN Boxing of Narrower Values"). */
class NanBoxingTest {
    @Test
    void boxingSetsTheUpperHalfToOnes() {
        assertThat(F32.box(f(1.0f))).isEqualTo(0xffff_ffff_3f80_0000L);
        assertThat(F32.box(f(-0.0f))).isEqualTo(0xffff_ffff_8000_0000L);
    }

    @Test
    void unboxingAProperlyBoxedValueGivesItBack() {
        assertThat(F32.unbox(0xffff_ffff_c0a0_0000L)).isEqualTo(f(-5.0f));
    }

    @Test
    void anImproperlyBoxedValueReadsAsTheCanonicalNan() {
        assertThat(F32.unbox(0x0000_0000_3f80_0000L)).isEqualTo(F32.CANONICAL_NAN);
        assertThat(F32.unbox(0xffff_fffe_3f80_0000L)).isEqualTo(F32.CANONICAL_NAN);
        assertThat(F32.unbox(Double.doubleToRawLongBits(1.0))).isEqualTo(F32.CANONICAL_NAN);
    }
}
