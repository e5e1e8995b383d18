// The ZooKeeper arbiter (zk://HOST:PORT[,HOST:PORT...]/PATH): test-and-set as a persistent znode per key.
package dev.lockstep.liveft;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * A key's holder is the znode {@code PATH/KEY} (the key percent-encoded into one name), created
 * PERSISTENT with the holder's name as its data. ZooKeeper's create is atomic, so the first creator
 * wins; everyone else, and a winner retrying after a lost answer, gets NodeExists and reads the holder.
 *
 * <p>Authentication is ZooKeeper's digest scheme, as user {@code lockstep} with a password derived from
 * the secret (an HMAC, so the secret itself never reaches ZooKeeper). The path and every holder carry a
 * digest ACL for that identity alone, so a client with another secret gets NoAuth, which becomes a
 * {@link Channel.Refused}. Holders are read-only even to that identity: nothing in lockstep ever changes
 * a holder once written.
 */
final class ZkArbiter implements Arbiter {
    static final String USER = "lockstep";
    private static final int SESSION_TIMEOUT_MS = 6000, CONNECTION_TIMEOUT_MS = 2000;

    private final String connect, path;
    private final CuratorFramework client;
    private final List<ACL> pathAcl, holderAcl;

    ZkArbiter(String connect, String path, Secret secret) {
        this.connect = connect;
        this.path = path;
        String identity = USER + ":" + password(secret);
        Id id;
        try {
            id = new Id("digest", DigestAuthenticationProvider.generateDigest(identity));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java 17 runtime", e);
        }
        // Not List.of: ZooKeeper asks its ACL lists contains(null), which List.of answers with an NPE.
        this.pathAcl = Collections.singletonList(new ACL(ZooDefs.Perms.ALL, id));
        this.holderAcl = Collections.singletonList(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.ADMIN, id));
        ZKClientConfig config = new ZKClientConfig();
        // No SASL: a JAAS file lying around must not change how lockstep authenticates.
        config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
        this.client = CuratorFrameworkFactory.builder()
                .connectString(connect)
                .sessionTimeoutMs(SESSION_TIMEOUT_MS)
                .connectionTimeoutMs(CONNECTION_TIMEOUT_MS)
                // One quick retry inside a call; Arbiter.acquire is the loop that waits for ZooKeeper.
                .retryPolicy(new RetryNTimes(1, 100))
                .authorization("digest", identity.getBytes(StandardCharsets.UTF_8))
                .aclProvider(new org.apache.curator.framework.api.ACLProvider() {
                    @Override
                    public List<ACL> getDefaultAcl() { return pathAcl; }

                    @Override
                    public List<ACL> getAclForPath(String p) { return pathAcl; }
                })
                .ensembleTracker(false)
                .zkClientConfig(config)
                .build();
        client.start();
    }

    /** The digest password: hex of an HMAC under the secret, so every holder of the secret derives the same one. */
    static String password(Secret secret) {
        return HexFormat.of().formatHex(secret.mac("lockstep zookeeper digest".getBytes(StandardCharsets.UTF_8)));
    }

    /** The znode of {@code key}: one name, every byte outside [A-Za-z0-9_-] written %XX (keys contain '/'). */
    String node(String key) {
        StringBuilder s = new StringBuilder(path).append('/');
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                s.append(c);
            } else {
                s.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        return s.toString();
    }

    @Override
    public String testAndSet(String key, String me) throws IOException {
        String node = node(key);
        try {
            try {
                client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).withACL(holderAcl)
                        .forPath(node, me.getBytes(StandardCharsets.UTF_8));
                return me;
            } catch (KeeperException.NodeExistsException e) {
                byte[] holder = client.getData().forPath(node);
                if (holder == null || holder.length == 0) {
                    throw new IOException("ZooKeeper znode " + node + " exists but names no holder");
                }
                return new String(holder, StandardCharsets.UTF_8);
            }
        } catch (KeeperException.NoAuthException e) {
            throw new Channel.Refused("refused by ZooKeeper " + connect + ": no access to " + node
                    + " (NoAuth); its ACL is for another secret, so check --secret-file");
        } catch (KeeperException e) {
            throw new IOException("ZooKeeper " + connect + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while asking ZooKeeper " + connect);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // Curator declares Exception; any other checked one is still "no answer", never an answer.
            throw new IOException("ZooKeeper " + connect + ": " + e, e);
        }
    }

    @Override
    public void close() { client.close(); }

    @Override
    public String toString() { return "zk://" + connect + path; }
}
