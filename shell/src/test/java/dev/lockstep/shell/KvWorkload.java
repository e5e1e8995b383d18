// Test support for FT: a client that writes and reads in a loop and checks every read against what was acknowledged.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One request at a time, a quarter of them GETs: a PUT is acknowledged when its OK arrived, and a GET must
 * read exactly the key's last acknowledged value (the client retries a request across a failover until it
 * is answered, so there is never a write in doubt). So a lost acknowledged write, or a value nobody wrote,
 * fails the run at the read that sees it. Used for kvcons (console) and kvserver (virtio-net) alike.
 */
final class KvWorkload implements Runnable {
    /** The service under test, as the workload sees it. */
    interface Store {
        Optional<String> get(String key) throws Exception;

        void put(String key, String value) throws Exception;
    }

    final Map<String, String> acked = new ConcurrentHashMap<>();
    final AtomicLong writes = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Store store;
    private final int keys;
    private final Random random;
    private volatile boolean stop;
    private Thread thread;

    KvWorkload(Store store, int keys, long seed) {
        this.store = store;
        this.keys = keys;
        this.random = new Random(seed);
    }

    /** kvcons through the console client. */
    static KvWorkload console(dev.lockstep.liveft.KvClient client, long seed) {
        return new KvWorkload(new Store() {
            @Override
            public Optional<String> get(String key) throws Exception { return client.get(key); }

            @Override
            public void put(String key, String value) throws Exception { client.set(key, value); }
        }, 40, seed);
    }

    /** kvserver through the UDP client; its table holds 1023 keys. */
    static KvWorkload kvserver(dev.lockstep.kvclient.KvClient client, long seed) {
        return new KvWorkload(new Store() {
            @Override
            public Optional<String> get(String key) { return client.get(key); }

            @Override
            public void put(String key, String value) { client.put(key, value); }
        }, 500, seed);
    }

    @Override
    public void run() {
        try {
            while (!stop) {
                String key = "k" + random.nextInt(keys);
                if (random.nextInt(4) == 0) {
                    Optional<String> got = store.get(key);
                    String want = acked.get(key);
                    if (!got.equals(Optional.ofNullable(want))) {
                        throw new AssertionError("GET " + key + " read " + got + " but the last acknowledged write was " + want);
                    }
                } else {
                    String value = "v" + writes.incrementAndGet();
                    store.put(key, value);
                    acked.put(key, value);
                }
            }
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    KvWorkload start() {
        thread = new Thread(this, "workload");
        thread.start();
        return this;
    }

    /** Stops the loop after its current request and fails the test if the client failed. */
    void stop() throws InterruptedException {
        stop = true;
        thread.join(FtProcesses.LIVENESS_MS);
        assertThat(failure.get()).as("client failure").isNull();
    }

    /** Waits (a liveness bound, not a measurement) for {@code more} acknowledged writes beyond those so far. */
    void awaitMoreWrites(long more) throws InterruptedException {
        long atLeast = writes.get() + more;
        long deadline = System.nanoTime() + FtProcesses.LIVENESS_MS * 1_000_000L;
        while (writes.get() < atLeast && failure.get() == null) {
            if (System.nanoTime() > deadline) throw new AssertionError("the service made no progress: " + writes.get() + " writes");
            Thread.sleep(5);
        }
        if (failure.get() != null) throw new AssertionError("the client failed", failure.get());
    }

    /** After {@link #stop}: every acknowledged write reads back. */
    void assertEveryAcknowledgedWriteReads() throws Exception {
        for (Map.Entry<String, String> e : acked.entrySet()) {
            assertThat(store.get(e.getKey())).as("key " + e.getKey()).contains(e.getValue());
        }
    }
}
