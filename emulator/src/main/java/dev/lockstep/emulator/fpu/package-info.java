/**
 * Exact IEEE 754 arithmetic for the RISC-V F and D extensions, on raw bit patterns: every rounding
 * mode, every exception flag, RISC-V's canonical NaN and its float-to-integer saturation.
 *
 * <p>Java's {@code float}/{@code double} only round to nearest-even and raise no flags, so the hart
 * calls {@link dev.lockstep.emulator.fpu.F32} and {@link dev.lockstep.emulator.fpu.F64} instead.
 * Operations are static, allocate nothing, and OR their flags into the hart's {@link
 * dev.lockstep.emulator.fpu.FpFlags}. Rounding modes are the {@link dev.lockstep.emulator.fpu.Frm}
 * encodings; the hart resolves DYN and traps on reserved modes before calling.
 */
package dev.lockstep.emulator.fpu;
