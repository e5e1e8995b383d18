// The arbiter contract: an atomic test-and-set that decides which side of a broken pair goes on alone.
package dev.lockstep.liveft;

import dev.lockstep.emulator.LockstepException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;

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

    /** Opens {@code tas://HOST:PORT} (the embedded arbiter, `lockstep arbiter`). */
    static Arbiter open(String uri, Secret secret) {
        URI u;
        try {
            u = URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new LockstepException("arbiter URI '" + uri + "' is not a URI; use tas://HOST:PORT");
        }
        if ("tas".equals(u.getScheme()) && u.getHost() != null && u.getPort() > 0) {
            return new TasArbiter(new InetSocketAddress(u.getHost(), u.getPort()), secret);
        }
        throw new LockstepException("arbiter URI '" + uri + "' is not supported; use tas://HOST:PORT");
    }

    /**
     * Calls {@link #testAndSet} until the arbiter answers (it may be restarting): waiting is safe, going on
     * without an answer is not. Returns true if {@code me} holds {@code key}.
     */
    static boolean acquire(Arbiter a, String key, String me, java.util.function.Consumer<String> log) throws InterruptedException {
        boolean said = false;
        while (true) {
            try {
                return a.testAndSet(key, me).equals(me);
            } catch (IOException e) {
                if (e instanceof Channel.Refused) log.accept(e.getMessage());
                if (!said) log.accept("the arbiter does not answer (" + e.getMessage() + "); retrying until it does");
                said = true;
                Thread.sleep(100);
            }
        }
    }
}
