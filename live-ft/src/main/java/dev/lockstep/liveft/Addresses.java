// Parsing of HOST:PORT and [HOST:]PORT options, with loopback as the default host.
package dev.lockstep.liveft;

import dev.lockstep.emulator.LockstepException;
import java.net.InetSocketAddress;

/** A bare PORT binds loopback: exposing a service to other hosts is asked for by naming a host (0.0.0.0). */
public final class Addresses {
    private Addresses() {}

    /** HOST:PORT by address, as {@link #parse} reads it back ([::1]:PORT for IPv6). */
    public static String format(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Where {@code s} is bound, as HOST:PORT (the host a wildcard if bound to all addresses). */
    public static String bound(java.net.ServerSocket s) { return format((InetSocketAddress) s.getLocalSocketAddress()); }

    public static InetSocketAddress parse(String what, String s) {
        int colon = s.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 0 || port > 65535) throw new NumberFormatException();
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new LockstepException(what + ": '" + s + "' is not [HOST:]PORT");
        }
    }
}
