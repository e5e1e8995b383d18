// `lockstep arbiter`: the embedded test-and-set service that decides which side of a broken FT pair goes on.
package dev.lockstep.shell;

import dev.lockstep.liveft.Addresses;
import dev.lockstep.liveft.ArbiterServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "arbiter", mixinStandardHelpOptions = true,
        description = {"Serve the test-and-set arbiter of FT pairs (URI tas://HOST:PORT).", "",
                "A side of a pair that has lost its peer goes on alone only if it is the first to",
                "claim the pair's key here. Holders are kept in the state file, so a restarted",
                "arbiter gives the same answers."})
final class ArbiterCommand implements Callable<Integer> {
    @Mixin
    FtCommon ft;

    @Option(names = "--listen", required = true, paramLabel = "[HOST:]PORT", description = "Address to serve on (default host: 127.0.0.1).")
    String listen;

    @Option(names = "--state", paramLabel = "FILE", defaultValue = "lockstep-arbiter.state",
            description = "Where holders are kept (default: ${DEFAULT-VALUE} in the current directory).")
    Path state;

    @Override
    public Integer call() throws Exception {
        var log = FtCommon.log("arbiter");
        try (ArbiterServer s = new ArbiterServer(Addresses.parse("--listen", listen), state, ft.secret(), log)) {
            log.accept("serving test-and-set on " + s.address() + ", state in " + state);
            Thread.currentThread().join();
        }
        return 0;
    }
}
