// The sifive_test finisher at 0x100000: how guests power off, fail with a code, or reset.
package dev.lockstep.emulator.device;

import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;

/** 0x5555 = pass/poweroff, 0x3333 | code << 16 = fail with code, 0x7777 = reset (QEMU's semantics). */
public final class SifiveTest implements Device {
    /** What the machine does when the guest asks to stop. */
    public interface Finisher {
        void finish(int exitCode, String reason);
    }

    private final Finisher finisher;
    private final Runnable reset;

    /** {@code reset} runs when the guest asks for a system reset (the board decides what that means). */
    public SifiveTest(Finisher finisher, Runnable reset) {
        this.finisher = finisher;
        this.reset = reset;
    }

    @Override public String name() { return "test"; }
    @Override public long size() { return 0x1000; }
    @Override public long read(long off, int size) { return 0; }

    @Override
    public void write(long off, int size, long value) {
        if (off != 0) return;
        int status = (int) value & 0xffff;
        int code = (int) (value >>> 16) & 0xffff;
        switch (status) {
            case 0x5555 -> finisher.finish(0, "poweroff");
            case 0x3333 -> finisher.finish(code, "guest reported failure (code " + code + ")");
            case 0x7777 -> reset.run();
            default -> { }
        }
    }

    @Override public void save(StateWriter out) { }
    @Override public void restore(StateReader in) { }
}
