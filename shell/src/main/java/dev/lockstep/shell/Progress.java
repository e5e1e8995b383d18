// Progress of long operations on a terminal: instructions done, rate and time left.
package dev.lockstep.shell;

/** Writes a one-line progress report to stderr twice a second, only when stderr is a terminal. */
final class Progress implements AutoCloseable {
    private final String what;
    private final long total;
    private final boolean tty = System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    private final long start = System.nanoTime();
    private long lastPrint;
    private boolean printed;

    Progress(String what, long total) {
        this.what = what;
        this.total = total;
    }

    void update(long done) {
        if (!tty) return;
        long now = System.nanoTime();
        if (now - lastPrint < 500_000_000L || now - start < 1_000_000_000L) return;
        lastPrint = now;
        double secs = (now - start) / 1e9;
        double rate = done / secs;
        String eta = total > 0 && rate > 0 ? String.format(", %.0f s left", Math.max(0, (total - done) / rate)) : "";
        String pct = total > 0 ? String.format(" (%.0f%%)", 100.0 * done / total) : "";
        System.err.printf("\r%s: %,d instructions%s, %.0f MIPS%s   ", what, done, pct, rate / 1e6, eta);
        printed = true;
    }

    @Override
    public void close() {
        if (printed) {
            System.err.print("\r\033[K");
            printed = false;
        }
    }
}
