// The client library for the FT key/value service: one request at a time, retried across failover, answers matched by request id.
package dev.lockstep.liveft;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Speaks the line protocol of the kvcons guest ({@code ID SET K V -> ID OK}, {@code ID GET K -> ID VAL V |
 * ID NONE}). Each request carries a fresh id; a request whose answer did not arrive (the connection broke
 * or went quiet) is sent again, with the same id, to the next address that accepts, until
 * {@code giveUpMillis} pass. Lines that do not answer the current id (a repeated answer after a failover,
 * the guest's banner, a line cut short by a crash) are ignored: that is the de-duplication. Retrying
 * is safe because SET and GET are idempotent and the client has one request outstanding.
 */
public final class KvClient implements AutoCloseable {
    private final List<InetSocketAddress> addresses;
    private final int readTimeoutMillis;
    private final long giveUpMillis;
    private final String prefix = Long.toString(new java.security.SecureRandom().nextInt() & 0x7fffffff, 36);
    private long next;
    private int at;
    private Socket socket;
    private BufferedReader in;
    private OutputStream out;
    private long retries;

    public KvClient(List<InetSocketAddress> addresses, int readTimeoutMillis, long giveUpMillis) {
        this.addresses = List.copyOf(addresses);
        this.readTimeoutMillis = readTimeoutMillis;
        this.giveUpMillis = giveUpMillis;
    }

    public void set(String key, String value) throws IOException {
        String r = call("SET " + key + " " + value);
        if (!r.equals("OK")) throw new IOException("SET " + key + " answered " + r);
    }

    public Optional<String> get(String key) throws IOException {
        String r = call("GET " + key);
        if (r.equals("NONE")) return Optional.empty();
        if (r.startsWith("VAL ")) return Optional.of(r.substring(4));
        throw new IOException("GET " + key + " answered " + r);
    }

    /** Times a request was sent again after a broken or silent connection. */
    public long retries() { return retries; }

    /** Sends {@code request} (without id) until it is answered; returns the answer without its id. */
    public String call(String request) throws IOException {
        String id = prefix + "-" + (++next);
        long deadline = System.nanoTime() + giveUpMillis * 1_000_000L;
        IOException last = null;
        boolean first = true;
        while (System.nanoTime() < deadline) {
            try {
                if (socket == null) connect();
                if (!first) retries++;
                first = false;
                out.write((id + " " + request + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                String line;
                while ((line = in.readLine()) != null) {
                    line = line.strip();
                    if (line.startsWith(id + " ")) return line.substring(id.length() + 1);
                }
                throw new IOException("the service closed the connection");
            } catch (IOException e) {
                last = e;
                drop();
                at = (at + 1) % addresses.size();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", ie);
                }
            }
        }
        throw new IOException("no answer to '" + request + "' within " + giveUpMillis + " ms: " + (last == null ? "" : last.getMessage()), last);
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.connect(addresses.get(at), 1000);
            s.setTcpNoDelay(true);
            s.setSoTimeout(readTimeoutMillis);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        out = s.getOutputStream();
    }

    private void drop() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // gone already
            }
        }
        socket = null;
    }

    @Override
    public void close() { drop(); }
}
