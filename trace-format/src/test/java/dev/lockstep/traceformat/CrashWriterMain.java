// A child process for the crash test: records the numbered entry stream forever, flushing every few milliseconds, until it is killed.
package dev.lockstep.traceformat;

import java.nio.file.Path;

/**
 * Prints {@code flushed N} after each flush, so the parent knows that at least N entries were written
 * when it kills this process. Entries are {@link Entries#numbered}, so the parent can check each one.
 */
public final class CrashWriterMain {
    private CrashWriterMain() {}

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[0]);
        TraceWriter w = TraceWriter.create(dir, TestTraces.header(), 50);
        System.out.println("ready");
        System.out.flush();
        long lastFlush = System.nanoTime();
        for (long i = 0; ; i++) {
            w.append(Entries.numbered(i));
            if (System.nanoTime() - lastFlush > 2_000_000) {
                w.flush();
                System.out.println("flushed " + (i + 1));
                System.out.flush();
                lastFlush = System.nanoTime();
            }
            if (i % 64 == 0) {
                Thread.sleep(0, 100_000);
            }
        }
    }
}
