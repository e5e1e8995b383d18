// The one exception type for errors a user can cause: its message is a sentence for them, not a stack trace.
package dev.lockstep.emulator;

/** A bad image, trace, command or address. The CLI prints the message alone (the stack with --debug). */
public class LockstepException extends RuntimeException {
    public LockstepException(String message) { super(message); }

    public LockstepException(String message, Throwable cause) { super(message, cause); }
}
