// The logging channel's authentication: the secret is proved both ways, and every frame is bound to its place.
package dev.lockstep.liveft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChannelTest {
    private static final Secret RIGHT = Secret.of("right".getBytes(StandardCharsets.UTF_8));
    private static final Secret WRONG = Secret.of("wrong".getBytes(StandardCharsets.UTF_8));

    private static ServerSocket loopback() throws IOException {
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    private static InetSocketAddress at(ServerSocket s) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }

    @Test
    void peersWithTheSameSecretExchangeFrames() throws Exception {
        try (ServerSocket server = loopback()) {
            CompletableFuture<Channel.Frame> got = CompletableFuture.supplyAsync(() -> {
                try (Channel c = Channel.accept(server.accept(), RIGHT, 5000)) {
                    return c.receive();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (Channel c = Channel.connect(at(server), RIGHT, "primary", 5000)) {
                c.send(Channel.Kind.PING, new byte[] {1, 2, 3});
            }
            assertThat(got.get(10, TimeUnit.SECONDS).payload()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void aServerWithADifferentSecretIsRefusedByTheClient() throws Exception {
        try (ServerSocket server = loopback()) {
            CompletableFuture<Throwable> serverSide = CompletableFuture.supplyAsync(() -> {
                try (Channel c = Channel.accept(server.accept(), RIGHT, 5000)) {
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            assertThatThrownBy(() -> Channel.connect(at(server), WRONG, "primary", 5000))
                    .isInstanceOf(Channel.Refused.class).hasMessageContaining("failed the challenge");
            // The client hangs up before proving anything, so the server gets no channel either.
            assertThat(serverSide.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aPeerWithoutTheSecretCannotPassTheServersChallenge() throws Exception {
        try (ServerSocket server = loopback()) {
            CompletableFuture<Throwable> serverSide = CompletableFuture.supplyAsync(() -> {
                try (Channel c = Channel.accept(server.accept(), RIGHT, 5000)) {
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            // A client that skips checking the server's proof still cannot produce its own.
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.write("lockstep-ft-1".getBytes(StandardCharsets.US_ASCII));
                out.writeShort(7);
                out.write("primary".getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[32]);
                s.getInputStream().readNBytes(64);
                out.write(new byte[32]);
                out.flush();
                assertThat(s.getInputStream().read()).isEqualTo(0);
            }
            assertThat(serverSide.get(10, TimeUnit.SECONDS)).isInstanceOf(Channel.Refused.class)
                    .hasMessageContaining("wrong secret");
        }
    }

    @Test
    void aSilentPeerTimesOutAReadThatWaits() throws Exception {
        try (ServerSocket server = loopback()) {
            CompletableFuture<Channel> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return Channel.accept(server.accept(), RIGHT, 5000);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (Channel c = Channel.connect(at(server), RIGHT, "primary", 5000); Channel peer = accepted.get(10, TimeUnit.SECONDS)) {
                peer.silenceTimeout(200);
                // Not reading is not silence: a frame that arrived while the reader was busy is still read.
                c.send(Channel.Kind.PING, new byte[] {7});
                Thread.sleep(400);
                assertThat(peer.receive().payload()).containsExactly(7);
                long t0 = System.nanoTime();
                assertThatThrownBy(peer::receive).isInstanceOf(java.net.SocketTimeoutException.class)
                        .hasMessageContaining("silent for 200 ms");
                assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(190L, 5000L);
            }
        }
    }

    @Test
    void aPeerThatNeverAnswersTheHandshakeTimesOutTheConnect() throws Exception {
        try (ServerSocket server = loopback()) { // accepted by the kernel, never answered
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> Channel.connect(at(server), RIGHT, "primary", 300))
                    .isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(290L, 5000L);
        }
    }

    @Test
    void aReplayedFrameIsRefused() throws Exception {
        assertThat(tamperedFrameError(Tamper.REPLAY)).isInstanceOf(Channel.Refused.class).hasMessageContaining("replayed");
    }

    @Test
    void aForgedFrameIsRefused() throws Exception {
        assertThat(tamperedFrameError(Tamper.FLIP_A_BIT)).isInstanceOf(Channel.Refused.class).hasMessageContaining("forged");
    }

    private enum Tamper { REPLAY, FLIP_A_BIT }

    /**
     * A man in the middle forwards the handshake and the first frame, then either sends the first frame
     * again or alters the second; returns what the receiver's second receive() throws.
     */
    private static Throwable tamperedFrameError(Tamper how) throws Exception {
        try (ServerSocket server = loopback(); ServerSocket middle = loopback()) {
            CompletableFuture<Throwable> receiver = CompletableFuture.supplyAsync(() -> {
                try (Channel c = Channel.accept(server.accept(), RIGHT, 5000)) {
                    c.receive();
                    c.receive();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            CompletableFuture<Void> mitm = CompletableFuture.runAsync(() -> {
                try (Socket in = middle.accept(); Socket out = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                    Thread back = new Thread(() -> {
                        try {
                            out.getInputStream().transferTo(in.getOutputStream());
                        } catch (IOException ignored) {
                            // closed
                        }
                    });
                    back.setDaemon(true);
                    back.start();
                    var src = in.getInputStream();
                    var dst = out.getOutputStream();
                    // handshake from the client: magic, role, nonce; then its proof
                    dst.write(src.readNBytes(13 + 2 + 7 + 32));
                    dst.write(src.readNBytes(32));
                    byte[] frame = src.readNBytes(1 + 4 + 3 + 16);
                    dst.write(frame);
                    byte[] second = src.readNBytes(1 + 4 + 3 + 16);
                    if (how == Tamper.REPLAY) {
                        dst.write(frame);
                    } else {
                        second[6] ^= 1;
                        dst.write(second);
                    }
                    dst.flush();
                    Thread.sleep(200);
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            try (Channel c = Channel.connect(at(middle), RIGHT, "primary", 5000)) {
                c.send(Channel.Kind.PING, new byte[] {1, 2, 3});
                c.send(Channel.Kind.PING, new byte[] {4, 5, 6});
                mitm.get(10, TimeUnit.SECONDS);
            }
            return receiver.get(10, TimeUnit.SECONDS);
        }
    }
}
