// The client of the embedded test-and-set arbiter (tas://HOST:PORT).
package dev.lockstep.liveft;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** One authenticated connection per call, so an arbiter restart between calls costs nothing. */
final class TasArbiter implements Arbiter {
    private final InetSocketAddress address;
    private final Secret secret;

    TasArbiter(InetSocketAddress address, Secret secret) {
        this.address = address;
        this.secret = secret;
    }

    @Override
    public String testAndSet(String key, String me) throws IOException {
        try (Channel c = Channel.connect(address, secret, "client", 2000)) {
            c.send(Channel.Kind.TAS, ArbiterServer.pair(key, me));
            Channel.Frame f = c.receive();
            if (f.kind() != Channel.Kind.HOLDER) throw new IOException("the arbiter answered with " + f.kind());
            return new String(f.payload(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public String toString() { return "tas://" + address.getHostString() + ":" + address.getPort(); }

    static String[] unpair(byte[] b) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b));
        return new String[] {in.readUTF(), in.readUTF()};
    }
}
