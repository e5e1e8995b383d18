package dev.lockstep.emulator.fpu;

/** Short names for writing hand-picked cases as values rather than bit patterns. */
final class Bits {
    static final int F32_SNAN = 0x7f80_0001;
    static final int F32_QNAN_WITH_PAYLOAD = 0x7fc0_1234;
    static final long F64_SNAN = 0x7ff0_0000_0000_0001L;
    static final long F64_QNAN_WITH_PAYLOAD = 0x7ff8_0000_0000_1234L;

    private Bits() {}

    static long d(double v) {
        return Double.doubleToRawLongBits(v);
    }

    static int f(float v) {
        return Float.floatToRawIntBits(v);
    }
}
