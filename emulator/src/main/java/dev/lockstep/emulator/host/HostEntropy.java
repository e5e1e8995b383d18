// The live virtio-rng backend: SecureRandom bytes produced on a host thread.
package dev.lockstep.emulator.host;

import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.virtio.EntropySource;
import java.security.SecureRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/** Answers each request with an {@code Rng} event of host randomness (seeding may block; it is off the machine thread). */
public final class HostEntropy implements EntropySource, AutoCloseable {
    private final Consumer<InputEvent> events;
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lockstep-rng");
        t.setDaemon(true);
        return t;
    });

    public HostEntropy(Consumer<InputEvent> events) { this.events = events; }

    @Override
    public void request(int n) {
        worker.execute(() -> {
            byte[] b = new byte[n];
            random.nextBytes(b);
            events.accept(new InputEvent.Rng(b));
        });
    }

    @Override
    public void close() { worker.shutdownNow(); }
}
