// Racy recordings shared by the debugger tests: made once per test JVM, since each takes a few seconds.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Traces of the racy guest by RTC value; --rtc fixed:1700000000000000000 loses updates deterministically. */
final class Recordings {
    private Recordings() {}

    static final long BROKEN_RTC = 1_700_000_000_000_000_000L;
    private static final Map<Long, Path> RACY = new HashMap<>();
    private static Path base;

    /** A directory for a test's own traces, removed when the JVM exits. */
    static synchronized Path scratch(String name) {
        racy(BROKEN_RTC);
        return base.resolve(name + "-" + System.nanoTime());
    }

    /**
     * A copy of {@code from} in a new directory with each entry passed through {@code edit} (null drops it):
     * how tests make a trace with one changed input byte or one wrong state hash.
     */
    static Path copyEdited(Path from, String name, java.util.function.UnaryOperator<dev.lockstep.traceformat.LogEntry> edit) {
        Path to = scratch(name);
        try (dev.lockstep.traceformat.Trace t = dev.lockstep.traceformat.Trace.open(from);
             dev.lockstep.traceformat.TraceWriter w = dev.lockstep.traceformat.TraceWriter.create(to, t.header());
             dev.lockstep.traceformat.EntryCursor c = t.entries()) {
            while (c.hasNext()) {
                dev.lockstep.traceformat.LogEntry e = edit.apply(c.next());
                if (e != null) w.append(e);
            }
        }
        return to;
    }

    static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort at exit
        }
    }

    /** A recording of racy whose RTC reads {@code rtc}; the guest's exit status is checked by the caller. */
    static synchronized Path racy(long rtc) {
        return RACY.computeIfAbsent(rtc, r -> {
            try {
                if (base == null) {
                    base = Files.createTempDirectory("lockstep-debugger-test");
                    Path b = base;
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(b)));
                }
                Path dir = base.resolve("racy-" + r);
                Cli.Result res = Cli.run("record", "-o", dir.toString(), "--rtc", "fixed:" + r, "racy");
                assertThat(res.err()).contains("recorded");
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
