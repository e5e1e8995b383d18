// `lockstep client`: talks to the FT key/value services, retrying across failover.
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.liveft.Addresses;
import dev.lockstep.liveft.KvClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Send requests to an FT key/value service: kvcons on the console (--connect),",
                "or kvserver on virtio-net (--kvserver).", "",
                "Requests are 'set KEY VALUE', 'get KEY' and, for kvserver, 'del KEY' (arguments, or lines on "
                        + "stdin). An unanswered request is sent again with its id, to the next address, across a "
                        + "failover; answers to other ids are dropped. Exit status: 0, or 1 when a key is not there."},
        footer = {"", "Examples:",
                "  lockstep client --connect 127.0.0.1:7710 set greeting hello",
                "  lockstep client --kvserver 127.0.0.1:9100 --bind 127.0.0.1:9101 get greeting",
                "  lockstep client --kvserver hostA:9100,hostB:9100 --bind 0.0.0.0:9101 <reqs"})
final class ClientCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Service service;

    static final class Service {
        @Option(names = "--connect", split = ",", paramLabel = "HOST:PORT",
                description = "kvcons: the service addresses: the primary's console, and the backup's if on another host.")
        List<String> connect;

        @Option(names = "--kvserver", split = ",", paramLabel = "HOST:PORT",
                description = "kvserver: the machine ends of the wire, the local= of the primary's --netdev, and of the backup's if on another host.")
        List<String> kvserver;
    }

    @Option(names = "--bind", paramLabel = "[HOST:]PORT",
            description = "kvserver: this client's end of the wire, the remote= of the pair's --netdev (a bare PORT binds 127.0.0.1).")
    String bind;

    @Option(names = "--give-up", paramLabel = "MS", defaultValue = "30000", description = "Give up a request after this long (default: ${DEFAULT-VALUE}).")
    long giveUp;

    @Parameters(paramLabel = "REQUEST", description = "set KEY VALUE | get KEY | del KEY; without, requests are read from stdin.")
    List<String> request = new ArrayList<>();

    /** What a request needs of either service's client. */
    private interface Store extends AutoCloseable {
        void set(String key, String value) throws IOException;

        Optional<String> get(String key) throws IOException;

        boolean delete(String key);

        @Override
        void close();
    }

    @Override
    public Integer call() throws Exception {
        if (giveUp <= 0) throw new LockstepException("--give-up must be positive, not " + giveUp);
        try (Store store = open()) {
            if (!request.isEmpty()) return one(store, String.join(" ", request));
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            String line;
            int rc = 0;
            while ((line = r.readLine()) != null) if (!line.isBlank()) rc = Math.max(rc, one(store, line));
            return rc;
        }
    }

    private Store open() {
        if (service.connect != null) {
            if (bind != null) throw new LockstepException("--bind is for --kvserver: a kvcons client connects over TCP");
            List<InetSocketAddress> to = new ArrayList<>();
            for (String c : service.connect) to.add(Addresses.parse("--connect", c));
            KvClient c = new KvClient(to, 1000, giveUp);
            return new Store() {
                @Override public void set(String key, String value) throws IOException { c.set(key, value); }
                @Override public Optional<String> get(String key) throws IOException { return c.get(key); }
                @Override public boolean delete(String key) { throw new LockstepException("kvcons has no del: use set KEY VALUE or get KEY"); }
                @Override public void close() { c.close(); }
            };
        }
        if (bind == null) {
            throw new LockstepException("--kvserver needs --bind [HOST:]PORT: this client's end of the wire, the remote= of the pair's --netdev");
        }
        List<InetSocketAddress> ends = new ArrayList<>();
        for (String e : service.kvserver) ends.add(Addresses.parse("--kvserver", e));
        dev.lockstep.kvclient.KvClient c;
        try {
            c = new dev.lockstep.kvclient.KvClient(Addresses.parse("--bind", bind));
        } catch (java.io.UncheckedIOException e) {
            throw new LockstepException("--bind " + bind + ": " + e.getCause().getMessage());
        }
        c.connect(ends).retryEvery(Duration.ofMillis(200)).giveUpAfter(Duration.ofMillis(giveUp));
        return new Store() {
            @Override public void set(String key, String value) { c.put(key, value); }
            @Override public Optional<String> get(String key) { return c.get(key); }
            @Override public boolean delete(String key) { return c.delete(key); }
            @Override public void close() { c.close(); }
        };
    }

    private static int one(Store store, String line) throws IOException {
        String[] w = line.trim().split("\\s+", 3);
        try {
            switch (w[0].toLowerCase()) {
                case "set" -> {
                    if (w.length < 3) throw new LockstepException("usage: set KEY VALUE");
                    store.set(w[1], w[2]);
                    System.out.println("OK");
                    return 0;
                }
                case "get" -> {
                    if (w.length != 2) throw new LockstepException("usage: get KEY");
                    var v = store.get(w[1]);
                    System.out.println(v.orElse("(none)"));
                    return v.isPresent() ? 0 : 1;
                }
                case "del" -> {
                    if (w.length != 2) throw new LockstepException("usage: del KEY");
                    boolean was = store.delete(w[1]);
                    System.out.println(was ? "OK" : "(none)");
                    return was ? 0 : 1;
                }
                default -> throw new LockstepException("unknown request '" + w[0] + "': use set KEY VALUE, get KEY or del KEY");
            }
        } catch (dev.lockstep.kvclient.KvClient.NoReply e) {
            throw new LockstepException(e.getMessage() + ": is the service up, and does its --netdev remote= name this client's --bind?");
        }
    }
}
