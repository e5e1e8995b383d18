// Specification of crash consistency: a writer process killed with SIGKILL leaves a trace that opens and holds every entry it flushed, intact.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class CrashConsistencyTest {
    @TempDir
    Path tmp;

    /** The timeout only guards against a child that never starts; nothing here asserts speed. */
    @Test
    @Timeout(120)
    void aWriterKilledMidSessionLeavesEveryFlushedEntryReadable() throws Exception {
        for (int run = 0; run < 2; run++) {
            Path dir = tmp.resolve("t" + run);
            Path stderr = tmp.resolve("child" + run + ".err");
            Process child = startWriter(dir, stderr);
            long flushed = 0;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                // Kill at a different point each run, always after a good number of flushes.
                long killAfter = 3_000 + run * 7_919;
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("flushed ")) {
                        flushed = Long.parseLong(line.substring("flushed ".length()));
                        if (flushed >= killAfter) {
                            break;
                        }
                    }
                }
                child.destroyForcibly();
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(flushed).as("the child must have flushed before it was killed; its stderr: %s",
                    Files.readString(stderr)).isPositive();

            List<LogEntry> read = new ArrayList<>();
            try (Trace t = Trace.open(dir); EntryCursor c = t.entries()) {
                c.forEachRemaining(read::add);
                assertThat(t.end()).isEmpty();
            }
            assertThat(read.size()).isGreaterThanOrEqualTo((int) flushed);
            for (int i = 0; i < read.size(); i++) {
                assertThat(read.get(i)).isEqualTo(Entries.numbered(i));
            }
        }
    }

    /** A JVM like this one (same java, class path and Chronicle flags) running {@link CrashWriterMain}. */
    private static Process startWriter(Path dir, Path stderr) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
                command.add(arg);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CrashWriterMain.class.getName());
        command.add(dir.toString());
        return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    }
}
