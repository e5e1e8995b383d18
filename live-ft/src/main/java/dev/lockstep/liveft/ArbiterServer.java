// The embedded test-and-set arbiter (`lockstep arbiter`): holders kept in a file, so a restart remembers them.
package dev.lockstep.liveft;

import dev.lockstep.emulator.LockstepException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Serves test-and-set over the authenticated {@link Channel}. A new holder is written to the state file
 * (a temporary file, forced to disk, renamed over the old one) before the answer leaves, so a holder
 * once told is never forgotten, even across a crash of the arbiter.
 */
public final class ArbiterServer implements AutoCloseable {
    private final ServerSocket server;
    private final Path state;
    private final Secret secret;
    private final Consumer<String> log;
    private final Map<String, String> holders = new LinkedHashMap<>();
    private final Thread acceptor;

    public ArbiterServer(InetSocketAddress listen, Path state, Secret secret, Consumer<String> log) {
        this.state = state;
        this.secret = secret;
        this.log = log;
        load();
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(listen);
        } catch (IOException e) {
            throw new LockstepException("arbiter cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        acceptor = new Thread(this::acceptLoop, "arbiter-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() { return server.getLocalPort(); }

    /** Where it serves, as HOST:PORT. */
    public String address() { return Addresses.bound(server); }

    private void load() {
        if (!Files.exists(state)) return;
        try {
            for (String line : Files.readAllLines(state, StandardCharsets.UTF_8)) {
                int tab = line.indexOf('\t');
                if (tab > 0) holders.put(line.substring(0, tab), line.substring(tab + 1));
            }
        } catch (IOException e) {
            throw new LockstepException("cannot read arbiter state " + state + ": " + e.getMessage(), e);
        }
        log.accept("arbiter: " + holders.size() + " holder(s) remembered from " + state);
    }

    private void save() {
        StringBuilder s = new StringBuilder();
        holders.forEach((k, v) -> s.append(k).append('\t').append(v).append('\n'));
        Path tmp = state.resolveSibling(state.getFileName() + ".tmp");
        try {
            if (state.toAbsolutePath().getParent() != null) Files.createDirectories(state.toAbsolutePath().getParent());
            try (FileChannel f = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                f.write(java.nio.ByteBuffer.wrap(s.toString().getBytes(StandardCharsets.UTF_8)));
                f.force(true);
            }
            Files.move(tmp, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write arbiter state " + state, e);
        }
    }

    /** The atomic step; synchronized, and persisted before it returns. */
    synchronized String testAndSet(String key, String me) {
        String holder = holders.get(key);
        if (holder != null) return holder;
        holders.put(key, me);
        save();
        log.accept("arbiter: " + me + " holds " + key);
        return me;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            Thread t = new Thread(() -> serve(s), "arbiter-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket s) {
        try (Channel c = Channel.accept(s, secret, 5000)) {
            Channel.Frame f = c.receive();
            if (f.kind() != Channel.Kind.TAS) return;
            String[] kv = TasArbiter.unpair(f.payload());
            String holder = testAndSet(kv[0], kv[1]);
            c.send(Channel.Kind.HOLDER, holder.getBytes(StandardCharsets.UTF_8));
        } catch (Channel.Refused e) {
            log.accept("arbiter: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            log.accept("arbiter: connection from " + s.getRemoteSocketAddress() + " failed: " + e.getMessage());
        }
    }

    static byte[] pair(String a, String b) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(a);
            out.writeUTF(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
    }
}
