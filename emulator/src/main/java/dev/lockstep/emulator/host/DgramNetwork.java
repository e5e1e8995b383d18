// The live network backend: Ethernet frames over UDP, one per datagram, as QEMU's -netdev dgram.
package dev.lockstep.emulator.host;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.virtio.VirtioNet;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A UDP socket bound to {@code local} that sends every frame the guest transmits to {@code remote} and
 * queues a {@code NetRx} for every datagram that arrives (from anywhere, as QEMU's dgram backend).
 * Interoperates with {@code qemu-system-riscv64 -netdev dgram,id=n,local.type=inet,...} and with test
 * harnesses that speak the same format; see docs/network.md.
 */
public final class DgramNetwork implements AutoCloseable {
    private final DatagramSocket socket;
    private final InetSocketAddress remote;
    private final Thread receiver;
    private volatile boolean closed;

    public DgramNetwork(InetSocketAddress local, InetSocketAddress remote, Consumer<InputEvent> events) {
        this.remote = remote;
        try {
            this.socket = new DatagramSocket(local);
        } catch (SocketException e) {
            throw new LockstepException("cannot bind the network backend to " + local + ": " + e.getMessage(), e);
        }
        this.receiver = new Thread(() -> {
            byte[] buf = new byte[VirtioNet.MAX_FRAME];
            while (!closed) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (IOException e) {
                    if (closed) return;
                    continue;
                }
                events.accept(new InputEvent.NetRx(Arrays.copyOfRange(buf, p.getOffset(), p.getOffset() + p.getLength())));
            }
        }, "lockstep-net-rx");
        receiver.setDaemon(true);
        receiver.start();
    }

    /** The address actually bound (useful with port 0). */
    public InetSocketAddress localAddress() { return (InetSocketAddress) socket.getLocalSocketAddress(); }

    /** Sends one frame the guest transmitted. Lost datagrams are lost frames, as on a wire. */
    public void send(byte[] frame, int off, int len) {
        try {
            socket.send(new DatagramPacket(frame, off, len, remote));
        } catch (IOException e) {
            // an unreachable peer drops the frame, as a cable to nowhere would
        }
    }

    /**
     * Parses QEMU-style {@code local=HOST:PORT,remote=HOST:PORT} (also accepting QEMU's own
     * {@code local.host=..,local.port=..,remote.host=..,remote.port=..} keys).
     */
    public static InetSocketAddress[] parseSpec(String spec) {
        String lh = null, rh = null;
        Integer lp = null, rp = null;
        for (String part : spec.split(",")) {
            if (part.isEmpty() || part.equals("dgram") || part.startsWith("id=") || part.endsWith(".type=inet")) continue;
            int eq = part.indexOf('=');
            if (eq < 0) throw new LockstepException("--netdev: '" + part + "' is not KEY=VALUE");
            String k = part.substring(0, eq), v = part.substring(eq + 1);
            switch (k) {
                case "local" -> { lh = host(v, k); lp = port(v.substring(v.lastIndexOf(':') + 1), k); }
                case "remote" -> { rh = host(v, k); rp = port(v.substring(v.lastIndexOf(':') + 1), k); }
                case "local.host" -> lh = v;
                case "local.port" -> lp = port(v, k);
                case "remote.host" -> rh = v;
                case "remote.port" -> rp = port(v, k);
                default -> throw new LockstepException("--netdev: unknown key '" + k + "' (use dgram,local=HOST:PORT,remote=HOST:PORT)");
            }
        }
        if (lh == null || lp == null || rh == null || rp == null) {
            throw new LockstepException("--netdev needs both ends: dgram,local=HOST:PORT,remote=HOST:PORT");
        }
        return new InetSocketAddress[] {new InetSocketAddress(lh, lp), new InetSocketAddress(rh, rp)};
    }

    private static String host(String v, String key) {
        int c = v.lastIndexOf(':');
        if (c <= 0) throw new LockstepException("--netdev: " + key + "=" + v + " is not HOST:PORT");
        return v.substring(0, c);
    }

    private static int port(String v, String key) {
        try {
            int p = Integer.parseInt(v);
            if (p < 0 || p > 65535) throw new NumberFormatException();
            return p;
        } catch (NumberFormatException e) {
            throw new LockstepException("--netdev: " + key + " has no valid port in '" + v + "'");
        }
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
