// An interrupt line from a device to the interrupt controller.
package dev.lockstep.emulator.device;

/** A level-triggered interrupt line. */
@FunctionalInterface
public interface IrqLine {
    void set(boolean level);

    IrqLine NONE = level -> { };
}
