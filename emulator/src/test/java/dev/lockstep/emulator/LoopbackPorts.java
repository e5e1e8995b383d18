// Test support: loopback ports for servers that another process (a lockstep child, QEMU) binds later.
package dev.lockstep.emulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ports a test hands to a child on its command line. A port the kernel picked with bind(0) comes from the
 * ephemeral range, so between the probe closing it and the child binding it any outgoing connection on the
 * host (another child's, Maven's) may take it: CI saw "Address already in use" from exactly that. These come
 * from below the ephemeral range, where nothing is handed out unasked; each is probed free for TCP and UDP
 * alike, and none is handed out twice by one JVM. The starting point depends on the process id, so test JVMs
 * that run side by side start far apart.
 */
public final class LoopbackPorts {
    private LoopbackPorts() {}

    private static final int LOW, HIGH;
    private static int next;

    static {
        int ephemeralLow = 32768;
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            ephemeralLow = Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            // not Linux, or no procfs: assume Linux's default range
        }
        // Below the ephemeral range if there is room there, above the registered well-known ports.
        LOW = Math.max(10_000, Math.min(ephemeralLow, 32_768) - 16_384);
        HIGH = Math.max(LOW + 1024, Math.min(ephemeralLow, 65_536));
        next = LOW + (int) (ProcessHandle.current().pid() * 1021 % (HIGH - LOW));
    }

    /** A loopback port that is free right now for both TCP and UDP, and that this JVM has not handed out before. */
    public static synchronized int next() {
        for (int tries = 0; tries < HIGH - LOW; tries++) {
            int port = next;
            next = next + 1 < HIGH ? next + 1 : LOW;
            if (free(port)) return port;
        }
        throw new UncheckedIOException(new IOException("no free loopback port in " + LOW + ".." + HIGH));
    }

    private static boolean free(int port) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket tcp = new ServerSocket(port, 1, loopback);
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
