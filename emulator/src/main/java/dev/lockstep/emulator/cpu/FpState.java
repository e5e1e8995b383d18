// The seam where the F and D extensions plug into the hart.
package dev.lockstep.emulator.cpu;

import dev.lockstep.emulator.isa.Insn;

/** Executes F/D instructions against the hart's FP registers and fcsr; attached when the FPU is present. */
interface FpState {
    void execute(Insn in);
}
