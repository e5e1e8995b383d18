// SIGINT or SIGTERM ends a live session as Ctrl-A X does, and the JVM exits only once the session has closed.
package dev.lockstep.shell;

import dev.lockstep.emulator.run.LiveRunner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A shutdown hook for the time of one session (kill, timeout, Ctrl-C where the terminal is not raw): it
 * asks the loop to stop at the next instruction boundary, then waits, at most {@link #GRACE_SECONDS}, for
 * {@link #close()}, so that what the session does on the way out (a trace's END, --stats, closing the
 * devices) happens before the JVM exits.
 */
final class QuitOnSignal implements AutoCloseable {
    static final int GRACE_SECONDS = 10;

    private final AtomicReference<LiveRunner> live = new AtomicReference<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread hook;

    QuitOnSignal(String name) {
        hook = new Thread(this::quit, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The loop a signal stops (none yet: the JVM exits at once). */
    void runner(LiveRunner r) { live.set(r); }

    private void quit() {
        LiveRunner r = live.get();
        if (r == null) return;
        r.quit();
        try {
            closed.await(GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The session has closed: a signal now only ends the JVM. */
    @Override
    public void close() {
        closed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it waited for the countDown above
        }
    }
}
