// The guest console as a TCP service: the FT pair's service address, taken over by the backup when it goes live.
package dev.lockstep.liveft;

import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * One client at a time (a new connection replaces the old one). Bytes the client sends are queued as
 * console input; console output goes to the client, or nowhere if none is connected. Binding retries
 * until the address is free: a backup going live may find the failed primary's port still held.
 */
public final class ConsoleServer implements OutputGate.ServiceSink, AutoCloseable {
    private final ServerSocket server;
    private final HostInputQueue queue;
    private volatile Socket client;
    private OutputStream out;

    public ConsoleServer(InetSocketAddress address, HostInputQueue queue, Consumer<String> log) throws InterruptedException {
        this.queue = queue;
        ServerSocket s = null;
        long said = 0;
        while (s == null) {
            try {
                s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(address);
            } catch (IOException e) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // retrying
                }
                s = null;
                if (said++ == 0) log.accept("console address " + address + " is busy (" + e.getMessage() + "); retrying");
                Thread.sleep(20);
            }
        }
        server = s;
        Thread t = new Thread(this::acceptLoop, "console-accept");
        t.setDaemon(true);
        t.start();
    }

    public int port() { return server.getLocalPort(); }

    /** Where the service is bound, as HOST:PORT. */
    public String address() { return Addresses.bound(server); }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                c.setTcpNoDelay(true);
                synchronized (this) {
                    if (client != null) client.close();
                    client = c;
                    out = new java.io.BufferedOutputStream(c.getOutputStream(), 1 << 14);
                }
                Thread r = new Thread(() -> pump(c), "console-client");
                r.setDaemon(true);
                r.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket c) {
        byte[] buf = new byte[4096];
        try (InputStream in = c.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) queue.put(new InputEvent.ConsoleInput(java.util.Arrays.copyOf(buf, n)));
        } catch (IOException e) {
            // client gone
        }
    }

    @Override
    public synchronized void output(OutputKind kind, long instret, byte[] data, int off, int len) {
        if (kind != OutputKind.CONSOLE || out == null) return;
        try {
            out.write(data, off, len);
        } catch (IOException e) {
            out = null;
        }
    }

    @Override
    public synchronized void flush() {
        if (out == null) return;
        try {
            out.flush();
        } catch (IOException e) {
            out = null;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Socket c = client;
            if (c != null) c.close();
        } catch (IOException e) {
            // closing
        }
    }
}
