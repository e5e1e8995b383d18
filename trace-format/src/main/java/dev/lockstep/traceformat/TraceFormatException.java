// The one exception for a trace that cannot be read as written: corrupted, truncated, foreign, or of another format version.
package dev.lockstep.traceformat;

/**
 * A trace (or a stream of encoded entries) is not what the format says it must be.
 *
 * <p>The message is one sentence a user can act on: what is wrong and where (file, block, instret,
 * byte offset when known). The cause, if any, is for {@code --debug} only.
 */
public final class TraceFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TraceFormatException(String message) {
        super(message);
    }

    public TraceFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
