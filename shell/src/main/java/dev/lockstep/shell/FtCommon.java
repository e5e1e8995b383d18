// Options every FT command shares (secret, heartbeat, timeout), and the log line format of the FT roles.
package dev.lockstep.shell;

import dev.lockstep.liveft.FtOptions;
import dev.lockstep.liveft.Secret;
import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** A picocli mixin for primary, backup, arbiter and client. */
final class FtCommon {
    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "Shared secret: peers prove they know it (HMAC challenge-response) and every frame is MAC'd; "
                    + "with a zk:// arbiter it also derives the ZooKeeper digest credential and ACL.")
    Path secretFile;

    @Option(names = "--heartbeat", paramLabel = "MS", defaultValue = "50",
            description = "Keep-alive interval on the logging channel (default: ${DEFAULT-VALUE} ms).")
    int heartbeatMillis;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "300",
            description = "Channel silence after which the peer is declared failed (default: ${DEFAULT-VALUE} ms).")
    int timeoutMillis;

    @Option(names = "--max-lag", paramLabel = "ENTRIES", defaultValue = "100000",
            description = "The primary waits while more entries than this are unacknowledged (default: ${DEFAULT-VALUE}).")
    long maxLagEntries;

    @Option(names = "--max-lag-instructions", paramLabel = "N", defaultValue = "500000000",
            description = "... or while the backup's replay is more than N instructions behind (default: ${DEFAULT-VALUE}).")
    long maxLagInstructions;

    @Option(names = "--durability", paramLabel = "disk|replica", defaultValue = "disk",
            description = "What a reply behind a guest's disk flush waits for, with a backup: disk, the flush durable on the "
                    + "primary's disk (in a redo journal next to the image, IMAGE.redo, which the next start writes into the "
                    + "image if both sides died) and the backup's ack; replica, the backup's ack alone (the backup keeps the "
                    + "writes until they are durable, so a reply survives either side's failure, not both). "
                    + "Default: ${DEFAULT-VALUE}.")
    String durability;

    /** --durability: disk | replica, case-insensitive. */
    FtOptions.Durability durability() {
        for (FtOptions.Durability d : FtOptions.Durability.values()) {
            if (d.name().equalsIgnoreCase(durability)) return d;
        }
        throw new dev.lockstep.emulator.LockstepException("'" + durability + "' is not a durability: use disk or replica");
    }

    @Option(names = "--id", paramLabel = "NAME", description = "This process's name at the arbiter and in logs (default: ROLE-PID).")
    String id;

    Secret secret() { return Secret.read(secretFile); }

    FtOptions options() {
        return new FtOptions(heartbeatMillis, timeoutMillis, maxLagEntries, maxLagInstructions, FtOptions.DEFAULT.quantum(),
                durability());
    }

    String id(String role) { return id != null ? id : role + "-" + ProcessHandle.current().pid(); }

    static Consumer<String> log(String who) {
        return line -> {
            java.time.LocalTime t = java.time.LocalTime.now();
            System.err.printf("%s lockstep %s: %s%n", t.toString(), who, line);
        };
    }
}
