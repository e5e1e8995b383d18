// Asynchronous input that a driver delivers to the machine at an instruction boundary.
package dev.lockstep.emulator.io;

import java.util.Arrays;

/** An input event. Host threads only queue these; the machine loop delivers them (DESIGN §1). */
public sealed interface InputEvent {
    /** Bytes typed on (or piped into) the console UART. */
    record ConsoleInput(byte[] bytes) implements InputEvent {
        @Override
        public boolean equals(Object o) { return o instanceof ConsoleInput c && Arrays.equals(bytes, c.bytes); }

        @Override
        public int hashCode() { return Arrays.hashCode(bytes); }

        @Override
        public String toString() { return "ConsoleInput[" + bytes.length + " bytes]"; }
    }

    /** Guest time moves to {@code ticks} (an idle skip or a sync to host time). */
    record Clock(long ticks) implements InputEvent {}
}
