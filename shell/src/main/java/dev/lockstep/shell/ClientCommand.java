// `lockstep client`: talks to the FT key/value service, retrying across failover.
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.liveft.Addresses;
import dev.lockstep.liveft.KvClient;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Send requests to the FT key/value service (the kvcons guest's console service).", "",
                "Requests are 'set KEY VALUE' and 'get KEY' (arguments, or lines on stdin). An",
                "unanswered request is sent again with its id, to the next address, across a failover."})
final class ClientCommand implements Callable<Integer> {
    @Option(names = "--connect", required = true, split = ",", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "The service addresses: the primary's console, and the backup's if on another host.")
    List<String> connect;

    @Option(names = "--give-up", paramLabel = "MS", defaultValue = "30000", description = "Give up a request after this long (default: ${DEFAULT-VALUE}).")
    long giveUp;

    @Parameters(paramLabel = "REQUEST", description = "set KEY VALUE | get KEY; without, requests are read from stdin.")
    List<String> request = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<InetSocketAddress> to = new ArrayList<>();
        for (String c : connect) to.add(Addresses.parse("--connect", c));
        try (KvClient client = new KvClient(to, 1000, giveUp)) {
            if (!request.isEmpty()) return one(client, String.join(" ", request));
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            String line;
            int rc = 0;
            while ((line = r.readLine()) != null) if (!line.isBlank()) rc = Math.max(rc, one(client, line));
            return rc;
        }
    }

    private static int one(KvClient client, String line) throws java.io.IOException {
        String[] w = line.trim().split("\\s+", 3);
        switch (w[0].toLowerCase()) {
            case "set" -> {
                if (w.length < 3) throw new LockstepException("usage: set KEY VALUE");
                client.set(w[1], w[2]);
                System.out.println("OK");
                return 0;
            }
            case "get" -> {
                if (w.length < 2) throw new LockstepException("usage: get KEY");
                var v = client.get(w[1]);
                System.out.println(v.orElse("(none)"));
                return v.isPresent() ? 0 : 1;
            }
            default -> throw new LockstepException("unknown request '" + w[0] + "': use set KEY VALUE or get KEY");
        }
    }
}
