package dev.lockstep.emulator.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputEvent;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Frames travel one per UDP datagram on loopback, as with QEMU's -netdev dgram. */
class DgramNetworkTest {
    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    @Test
    void framesGoOutAsDatagramsAndDatagramsComeInAsNetRx() throws Exception {
        HostInputQueue queue = new HostInputQueue();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LO, 0));
                DgramNetwork net = new DgramNetwork(new InetSocketAddress(LO, 0),
                        (InetSocketAddress) peer.getLocalSocketAddress(), queue::put)) {
            peer.setSoTimeout(30_000);
            byte[] frame = "an ethernet frame".getBytes();
            net.send(frame, 0, frame.length);
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            peer.receive(p);
            assertThat(new String(p.getData(), 0, p.getLength())).isEqualTo("an ethernet frame");

            byte[] reply = "a reply frame".getBytes();
            peer.send(new DatagramPacket(reply, reply.length, net.localAddress()));
            InputEvent e = queue.await(java.util.concurrent.TimeUnit.SECONDS.toNanos(30));
            assertThat(e).isEqualTo(new InputEvent.NetRx(reply));
        }
    }

    @Test
    void qemuAndShortSpecsParseTheSame() {
        InetSocketAddress[] a = DgramNetwork.parseSpec("dgram,local=127.0.0.1:5555,remote=127.0.0.1:5556");
        InetSocketAddress[] b = DgramNetwork.parseSpec("dgram,id=n,local.type=inet,local.host=127.0.0.1,local.port=5555,"
                + "remote.type=inet,remote.host=127.0.0.1,remote.port=5556");
        assertThat(a).containsExactly(b);
        assertThat(a[1].getPort()).isEqualTo(5556);
    }

    @Test
    void aSpecWithoutBothEndsIsAClearError() {
        assertThatThrownBy(() -> DgramNetwork.parseSpec("dgram,local=127.0.0.1:5555"))
                .isInstanceOf(LockstepException.class).hasMessageContaining("needs both ends");
        assertThatThrownBy(() -> DgramNetwork.parseSpec("dgram,local=127.0.0.1:x,remote=127.0.0.1:1"))
                .isInstanceOf(LockstepException.class).hasMessageContaining("port");
    }
}
