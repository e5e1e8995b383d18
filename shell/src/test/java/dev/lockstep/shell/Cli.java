// Test support: runs the lockstep command in-process with stdin, stdout and stderr captured.
package dev.lockstep.shell;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One in-process invocation of {@link Main#execute}. Not thread-safe: it swaps the System streams. */
final class Cli {
    private Cli() {}

    record Result(int exit, String out, String err) {}

    /**
     * Runs {@code lockstep args...} with empty stdin. (Surefire talks to its forked JVM over the real stdin,
     * so the guest console must never read it.)
     */
    static Result run(String... args) { return runWithInput("", args); }

    /** Runs {@code lockstep args...} with {@code stdin} as its standard input (a scripted shell session). */
    static synchronized Result runWithInput(String stdin, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.execute(args);
            System.out.flush();
            System.err.flush();
            return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
