// The goldfish RTC at 0x101000: the guest's wall clock, read through the input port.
package dev.lockstep.emulator.device;

import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;
import java.util.function.LongSupplier;

/**
 * Reading TIME_LOW asks the input port for the wall clock (a WALL entry when recording) and latches the
 * high half for TIME_HIGH, as QEMU's goldfish_rtc does. Alarm registers hold their values; the alarm
 * interrupt is not raised yet.
 */
public final class GoldfishRtc implements Device {
    private final InputPort port;
    private final LongSupplier instret;
    private long latchedHigh, alarm;
    private int irqEnabled, alarmRunning;

    public GoldfishRtc(InputPort port, LongSupplier instret) {
        this.port = port;
        this.instret = instret;
    }

    @Override public String name() { return "rtc"; }
    @Override public long size() { return 0x1000; }

    @Override
    public long read(long off, int size) {
        return switch ((int) off) {
            case 0x00 -> {
                long t = port.wallClockNanos(instret.getAsLong());
                latchedHigh = t >>> 32;
                yield t & 0xffffffffL;
            }
            case 0x04 -> latchedHigh;
            case 0x08 -> alarm & 0xffffffffL;
            case 0x0c -> alarm >>> 32;
            case 0x10 -> irqEnabled;
            case 0x18 -> alarmRunning;
            default -> 0;
        };
    }

    @Override
    public void write(long off, int size, long value) {
        switch ((int) off) {
            case 0x08 -> { alarm = (alarm & ~0xffffffffL) | (value & 0xffffffffL); alarmRunning = 1; }
            case 0x0c -> alarm = (alarm & 0xffffffffL) | (value << 32);
            case 0x10 -> irqEnabled = (int) value & 1;
            case 0x14 -> alarmRunning = 0;
            default -> { }
        }
    }

    @Override
    public void save(StateWriter out) { out.i64(latchedHigh).i64(alarm).i32(irqEnabled).i32(alarmRunning); }

    @Override
    public void restore(StateReader in) {
        latchedHigh = in.i64();
        alarm = in.i64();
        irqEnabled = in.i32();
        alarmRunning = in.i32();
    }
}
