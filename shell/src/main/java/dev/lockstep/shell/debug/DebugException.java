// A debugger command the user got wrong: a malformed address, an unknown symbol, a seek past the end.
package dev.lockstep.shell.debug;

import dev.lockstep.emulator.LockstepException;

/** Printed as one line by the REPL, which then reads the next command. */
public final class DebugException extends LockstepException {
    public DebugException(String message) { super(message); }
}
