// The arbiter contract: an atomic test-and-set that decides which side of a broken pair goes on alone.
package dev.lockstep.liveft;

import dev.lockstep.emulator.LockstepException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.zookeeper.common.PathUtils;

/**
 * Before either side of a pair runs alone (a backup going live, a primary that lost its backup), it
 * calls {@link #testAndSet} with the pair's key. The first caller becomes the key's holder for ever;
 * every later caller, and a retry by the winner, gets the same answer. So two sides that each believe
 * the other dead cannot both go on: no configuration produces two live primaries.
 */
public interface Arbiter extends AutoCloseable {
    /** If {@code key} has no holder, makes {@code me} its holder. Returns the holder. */
    String testAndSet(String key, String me) throws IOException;

    @Override
    default void close() {}

    /** The URI forms {@link #open} accepts, for error messages and help. */
    String FORMS = "tas://HOST:PORT or zk://HOST:PORT[,HOST:PORT...]/PATH";

    /**
     * Opens {@code tas://HOST:PORT} (the embedded arbiter, `lockstep arbiter`) or
     * {@code zk://HOST:PORT[,HOST:PORT...]/PATH} (a ZooKeeper ensemble; holders are znodes under PATH).
     * Neither connects yet: an arbiter that is down is waited for by {@link #acquire}, not refused here.
     */
    static Arbiter open(String uri, Secret secret) {
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            throw bad(uri, "is not a URI");
        }
        if ("tas".equals(u.getScheme())) {
            if (u.getHost() == null || u.getPort() <= 0 || !u.getRawPath().isEmpty() || u.getRawQuery() != null) {
                throw bad(uri, "is not tas://HOST:PORT");
            }
            return new TasArbiter(new InetSocketAddress(u.getHost(), u.getPort()), secret);
        }
        if ("zk".equals(u.getScheme())) {
            String hosts = u.getRawAuthority(), path = u.getRawPath();
            if (hosts == null || u.getRawQuery() != null || u.getRawFragment() != null) throw bad(uri, "is not zk://HOST:PORT[,HOST:PORT...]/PATH");
            for (String h : hosts.split(",", -1)) {
                if (!isHostPort(h)) throw bad(uri, "has '" + h + "' where HOST:PORT belongs");
            }
            if (path == null || path.isEmpty() || path.equals("/")) throw bad(uri, "names no ZooKeeper path (zk://HOST:PORT/PATH)");
            try {
                PathUtils.validatePath(path);
            } catch (IllegalArgumentException e) {
                throw bad(uri, "has a path ZooKeeper does not accept (" + e.getMessage() + ")");
            }
            return new ZkArbiter(hosts, path, secret);
        }
        throw bad(uri, "is not supported");
    }

    private static boolean isHostPort(String h) {
        int colon = h.lastIndexOf(':');
        String port = h.substring(colon + 1);
        return colon > 0 && port.matches("[0-9]{1,5}") && Integer.parseInt(port) > 0 && Integer.parseInt(port) <= 65535;
    }

    private static LockstepException bad(String uri, String why) {
        return new LockstepException("arbiter URI '" + uri + "' " + why + "; use " + FORMS);
    }

    /**
     * Calls {@link #testAndSet} until the arbiter answers (it may be restarting): waiting is safe, going on
     * without an answer is not. Returns true if {@code me} holds {@code key}. A refusal (wrong secret, or
     * a ZooKeeper ACL for another secret) is no answer either: it is logged, once per distinct refusal,
     * and waited out like an arbiter that is down, since concluding "the other side holds it" would be
     * a guess.
     */
    static boolean acquire(Arbiter a, String key, String me, java.util.function.Consumer<String> log) throws InterruptedException {
        boolean said = false;
        String refused = null;
        while (true) {
            try {
                return a.testAndSet(key, me).equals(me);
            } catch (IOException e) {
                if (e instanceof Channel.Refused) {
                    if (!e.getMessage().equals(refused)) log.accept(e.getMessage() + "; retrying until the arbiter accepts this process");
                    refused = e.getMessage();
                } else if (!said) {
                    log.accept("the arbiter does not answer (" + e.getMessage() + "); retrying until it does");
                    said = true;
                }
                Thread.sleep(100);
            }
        }
    }
}
