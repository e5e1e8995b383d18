// The ZooKeeper arbiter against a real ZooKeeper server (Curator's, in-process on loopback).
package dev.lockstep.liveft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.emulator.LockstepException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZkArbiterTest {
    private static final Secret SECRET = Secret.of("s3cret".getBytes(StandardCharsets.UTF_8));
    private static final String KEY = "primary-7/pair-1-3f2a";

    @TempDir
    Path data;

    private TestingServer zk;
    private final List<Arbiter> opened = new ArrayList<>();

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = loopbackZooKeeper(data);
    }

    /**
     * A ZooKeeper server on a free port of 127.0.0.1 only, its data in {@code dir}/zk (kept across restarts). The
     * server writes its configuration file next to its data directory: in {@code dir}, not in the system's /tmp.
     */
    static TestingServer loopbackZooKeeper(Path dir) throws Exception {
        return new TestingServer(new InstanceSpec(dir.resolve("zk").toFile(), -1, -1, -1, true, -1, -1, -1,
                Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1"), true);
    }

    @AfterEach
    void stopZooKeeper() throws IOException {
        for (Arbiter a : opened) a.close();
        zk.close();
    }

    private String uri() { return "zk://127.0.0.1:" + zk.getPort() + "/lockstep/ft"; }

    private Arbiter client(Secret secret) {
        Arbiter a = Arbiter.open(uri(), secret);
        opened.add(a);
        return a;
    }

    @Test
    void theFirstCallerHoldsTheKeyAndLaterCallersAreToldWho() throws Exception {
        assertThat(client(SECRET).testAndSet(KEY, "backup-1")).isEqualTo("backup-1");
        assertThat(client(SECRET).testAndSet(KEY, "primary-7")).isEqualTo("backup-1");
        assertThat(client(SECRET).testAndSet("primary-7/pair-2-77", "primary-7")).isEqualTo("primary-7");
    }

    @Test
    void theWinnersRetryGetsTheSameAnswer() throws Exception {
        Arbiter a = client(SECRET);
        assertThat(a.testAndSet(KEY, "backup-1")).isEqualTo("backup-1");
        assertThat(a.testAndSet(KEY, "backup-1")).isEqualTo("backup-1");
        assertThat(Arbiter.acquire(a, KEY, "backup-1", line -> {})).isTrue();
        assertThat(Arbiter.acquire(client(SECRET), KEY, "primary-7", line -> {})).isFalse();
    }

    @Test
    void aKeyIsOneZnodeUnderThePathNamingItsHolderReadOnlyForTheSecretsIdentity() throws Exception {
        client(SECRET).testAndSet(KEY, "backup-1");
        try (CuratorFramework raw = CuratorFrameworkFactory.builder().connectString(zk.getConnectString())
                .retryPolicy(new RetryOneTime(100))
                .authorization("digest", ("lockstep:" + ZkArbiter.password(SECRET)).getBytes(StandardCharsets.UTF_8))
                .build()) {
            raw.start();
            assertThat(raw.getChildren().forPath("/lockstep/ft")).containsExactly("primary-7%2Fpair-1-3f2a");
            String node = "/lockstep/ft/primary-7%2Fpair-1-3f2a";
            assertThat(new String(raw.getData().forPath(node), StandardCharsets.UTF_8)).isEqualTo("backup-1");
            List<ACL> acl = raw.getACL().forPath(node);
            assertThat(acl).hasSize(1);
            assertThat(acl.get(0).getId().getScheme()).isEqualTo("digest");
            assertThat(acl.get(0).getId().getId()).startsWith("lockstep:");
            assertThat(acl.get(0).getPerms()).isEqualTo(ZooDefs.Perms.READ | ZooDefs.Perms.ADMIN);
            assertThat(raw.getACL().forPath("/lockstep/ft")).containsExactlyElementsOf(raw.getACL().forPath("/lockstep"))
                    .singleElement().satisfies(a -> assertThat(a.getPerms()).isEqualTo(ZooDefs.Perms.ALL));
        }
    }

    @Test
    void holdersSurviveARestartOfZooKeeper() throws Exception {
        Arbiter a = client(SECRET);
        assertThat(a.testAndSet(KEY, "backup-1")).isEqualTo("backup-1");
        zk.restart();
        assertThat(Arbiter.acquire(a, KEY, "primary-7", line -> {})).isFalse();
        assertThat(client(SECRET).testAndSet(KEY, "primary-7")).isEqualTo("backup-1");
    }

    @Test
    void ofClientsRacingForOneKeyExactlyOneWins() throws Exception {
        int n = 6;
        List<Arbiter> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) clients.add(client(SECRET));
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Arbiter c = clients.get(i);
                String me = "side-" + i;
                answers.add(pool.submit(() -> {
                    go.await();
                    return c.testAndSet(KEY, me);
                }));
            }
            go.countDown();
            List<String> holders = new ArrayList<>();
            for (Future<String> f : answers) holders.add(f.get(60, TimeUnit.SECONDS));
            assertThat(holders).allMatch(h -> h.equals(holders.get(0)));
            assertThat(holders.get(0)).startsWith("side-");
            long winners = java.util.stream.IntStream.range(0, n).filter(i -> holders.get(i).equals("side-" + i)).count();
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClientWithTheWrongSecretIsRefusedWhetherOrNotTheKeyIsHeld() throws Exception {
        client(SECRET).testAndSet(KEY, "backup-1");
        Arbiter wrong = client(Secret.of("guess".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> wrong.testAndSet(KEY, "intruder")).isInstanceOf(Channel.Refused.class)
                .hasMessageContaining("NoAuth").hasMessageContaining("--secret-file");
        assertThatThrownBy(() -> wrong.testAndSet("other/pair-9", "intruder")).isInstanceOf(Channel.Refused.class);
        assertThat(client(SECRET).testAndSet("other/pair-9", "primary-7")).isEqualTo("primary-7");
    }

    @Test
    void acquireWithTheWrongSecretLogsTheRefusalOnceAndNeverAnswers() throws Exception {
        client(SECRET).testAndSet(KEY, "backup-1");
        Arbiter wrong = client(Secret.NONE);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Thread t = new Thread(() -> {
            try {
                Arbiter.acquire(wrong, KEY, "intruder", log::add);
                log.add("ANSWERED");
            } catch (InterruptedException e) {
                // stopped by the test
            }
        });
        t.start();
        Thread.sleep(1500);
        t.interrupt();
        t.join(10_000);
        assertThat(log).singleElement().asString().startsWith("refused by ZooKeeper").contains("NoAuth");
    }

    @Test
    void withZooKeeperDownACallFailsAndAcquireWaitsUntilItIsBack() throws Exception {
        Arbiter a = client(SECRET);
        a.testAndSet("warm/up", "backup-1");
        zk.stop();
        assertThatThrownBy(() -> a.testAndSet(KEY, "backup-1")).isInstanceOf(IOException.class)
                .isNotInstanceOf(Channel.Refused.class);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        boolean[] won = new boolean[1];
        Thread t = new Thread(() -> {
            try {
                won[0] = Arbiter.acquire(a, KEY, "backup-1", log::add);
            } catch (InterruptedException e) {
                // stopped by the test
            }
        });
        t.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (log.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        Thread.sleep(500);
        assertThat(t.isAlive()).as("acquire returned without ZooKeeper").isTrue();
        assertThat(log).singleElement().asString().startsWith("the arbiter does not answer");
        zk.restart();
        t.join(60_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(won[0]).isTrue();
        assertThat(client(SECRET).testAndSet(KEY, "primary-7")).isEqualTo("backup-1");
    }

    @Test
    void badUrisAreRefusedWithOneLineNamingBothForms() {
        for (String uri : List.of("zk://127.0.0.1:2181", "zk://127.0.0.1:2181/", "zk://127.0.0.1/lockstep",
                "zk://127.0.0.1:2181,/lockstep", "zk://h:99999/lockstep", "zk://h:2181/lockstep/", "zk://h:2181/a//b",
                "zk:///lockstep", "zk://h:2181/lockstep?x=1", "tas://h", "http://h:1/x", "not a uri")) {
            assertThatThrownBy(() -> Arbiter.open(uri, SECRET)).as(uri).isInstanceOf(LockstepException.class)
                    .hasMessageContaining(uri).hasMessageContaining("tas://HOST:PORT")
                    .hasMessageContaining("zk://HOST:PORT[,HOST:PORT...]/PATH").hasMessageNotContaining("\n");
        }
    }

    @Test
    void anEnsembleOfSeveralServersIsAccepted() throws Exception {
        try (Arbiter a = Arbiter.open("zk://127.0.0.1:" + zk.getPort() + ",localhost:" + zk.getPort() + "/lockstep/ft", SECRET)) {
            assertThat(a.testAndSet(KEY, "backup-1")).isEqualTo("backup-1");
        }
    }
}
