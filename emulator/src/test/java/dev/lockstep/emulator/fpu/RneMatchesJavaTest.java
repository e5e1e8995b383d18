package dev.lockstep.emulator.fpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.fpu.Reference.Format;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * In RNE the results are Java's {@code + - * /}, {@link Math#sqrt} and {@link Math#fma} bit for bit,
 * except that every NaN is the canonical one. Flags are not compared: Java has none.
 */
class RneMatchesJavaTest {
    private static final int TRIES = 30_000;
    private static final int RNE = Frm.RNE;

    @Provide
    Arbitrary<Operands> binary64() {
        return Operands.binary(Format.F64);
    }

    @Provide
    Arbitrary<Operands> ternary64() {
        return Operands.ternary(Format.F64);
    }

    @Provide
    Arbitrary<Operands> binary32() {
        return Operands.binary(Format.F32);
    }

    @Provide
    Arbitrary<Operands> ternary32() {
        return Operands.ternary(Format.F32);
    }

    private static long java64(double d) {
        return Double.isNaN(d) ? F64.CANONICAL_NAN : Double.doubleToRawLongBits(d);
    }

    private static int java32(float f) {
        return Float.isNaN(f) ? F32.CANONICAL_NAN : Float.floatToRawIntBits(f);
    }

    private static double d(long bits) {
        return Double.longBitsToDouble(bits);
    }

    private static float f(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    @Property(tries = TRIES)
    void doubleArithmeticEqualsJava(@ForAll("binary64") Operands o) {
        FpFlags flags = new FpFlags();
        long a = o.a();
        long b = o.b();
        assertThat(F64.add(a, b, RNE, flags)).as("add").isEqualTo(java64(d(a) + d(b)));
        assertThat(F64.sub(a, b, RNE, flags)).as("sub").isEqualTo(java64(d(a) - d(b)));
        assertThat(F64.mul(a, b, RNE, flags)).as("mul").isEqualTo(java64(d(a) * d(b)));
        assertThat(F64.div(a, b, RNE, flags)).as("div").isEqualTo(java64(d(a) / d(b)));
        assertThat(F64.sqrt(a, RNE, flags)).as("sqrt").isEqualTo(java64(Math.sqrt(d(a))));
    }

    @Property(tries = TRIES)
    void doubleFmaEqualsJava(@ForAll("ternary64") Operands o) {
        FpFlags flags = new FpFlags();
        assertThat(F64.fmadd(o.a(), o.b(), o.c(), RNE, flags)).isEqualTo(java64(Math.fma(d(o.a()), d(o.b()), d(o.c()))));
    }

    @Property(tries = TRIES)
    void floatArithmeticEqualsJava(@ForAll("binary32") Operands o) {
        FpFlags flags = new FpFlags();
        int a = (int) o.a();
        int b = (int) o.b();
        assertThat(F32.add(a, b, RNE, flags)).as("add").isEqualTo(java32(f(a) + f(b)));
        assertThat(F32.sub(a, b, RNE, flags)).as("sub").isEqualTo(java32(f(a) - f(b)));
        assertThat(F32.mul(a, b, RNE, flags)).as("mul").isEqualTo(java32(f(a) * f(b)));
        assertThat(F32.div(a, b, RNE, flags)).as("div").isEqualTo(java32(f(a) / f(b)));
        assertThat(F32.sqrt(a, RNE, flags)).as("sqrt").isEqualTo(java32((float) Math.sqrt(f(a))));
    }

    @Property(tries = TRIES)
    void floatFmaEqualsJava(@ForAll("ternary32") Operands o) {
        FpFlags flags = new FpFlags();
        int a = (int) o.a();
        int b = (int) o.b();
        int c = (int) o.c();
        assertThat(F32.fmadd(a, b, c, RNE, flags)).isEqualTo(java32(Math.fma(f(a), f(b), f(c))));
    }

    @Property(tries = TRIES)
    void narrowingEqualsJava(@ForAll("binary64") Operands o) {
        assertThat(F64.toF32(o.a(), RNE, new FpFlags())).isEqualTo(java32((float) d(o.a())));
    }
}
