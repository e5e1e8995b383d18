// The embedded arbiter: one holder per key, for ever, across restarts; and only for peers with the secret.
package dev.lockstep.liveft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArbiterServerTest {
    private static final Secret SECRET = Secret.of("s3cret".getBytes(StandardCharsets.UTF_8));
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    private ArbiterServer start(Path state) {
        return new ArbiterServer(new InetSocketAddress("127.0.0.1", 0), state, SECRET, log::add);
    }

    private static Arbiter client(ArbiterServer s, Secret secret) {
        return Arbiter.open("tas://127.0.0.1:" + s.port(), secret);
    }

    @Test
    void theFirstCallerHoldsTheKeyAndLaterCallersAreToldWho(@TempDir Path dir) throws Exception {
        try (ArbiterServer s = start(dir.resolve("state"))) {
            Arbiter a = client(s, SECRET);
            assertThat(a.testAndSet("pair-1", "backup")).isEqualTo("backup");
            assertThat(a.testAndSet("pair-1", "primary")).isEqualTo("backup");
            assertThat(a.testAndSet("pair-1", "backup")).isEqualTo("backup");
            assertThat(a.testAndSet("pair-2", "primary")).isEqualTo("primary");
        }
    }

    @Test
    void aRestartedArbiterRemembersTheHolders(@TempDir Path dir) throws Exception {
        try (ArbiterServer s = start(dir.resolve("state"))) {
            client(s, SECRET).testAndSet("pair-1", "backup");
        }
        try (ArbiterServer s = start(dir.resolve("state"))) {
            assertThat(client(s, SECRET).testAndSet("pair-1", "primary")).isEqualTo("backup");
        }
    }

    @Test
    void aClientWithTheWrongSecretIsRefusedAndLogged(@TempDir Path dir) throws Exception {
        try (ArbiterServer s = start(dir.resolve("state"))) {
            Arbiter wrong = client(s, Secret.of("guess".getBytes(StandardCharsets.UTF_8)));
            assertThatThrownBy(() -> wrong.testAndSet("pair-1", "intruder")).isInstanceOf(Channel.Refused.class);
            assertThat(client(s, SECRET).testAndSet("pair-1", "backup")).isEqualTo("backup");
        }
        assertThat(log).noneMatch(l -> l.contains("intruder holds"));
    }
}
