// The kinds of output a guest emits, for the output sink, the output rule and trace diffs.
package dev.lockstep.emulator.io;

/** What a guest emitted. */
public enum OutputKind { CONSOLE, NET, DISK }
