// `lockstep backup`: follow an FT primary's log in step, and go live when it fails.
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.liveft.Addresses;
import dev.lockstep.liveft.Arbiter;
import dev.lockstep.liveft.Backup;
import dev.lockstep.liveft.Channel;
import dev.lockstep.liveft.ConsoleServer;
import dev.lockstep.liveft.Primary;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Be the backup of an FT pair (docs/live-ft.md).", "",
                "Persists the primary's log to --trace (an FT run's trace replays like any recording),",
                "replays it in step with output suppressed and checked, and when the primary fails and",
                "this backup wins the arbiter, goes live: it serves the console and records on. With",
                "--join it starts from a running primary's state instead of waiting for one to pair."})
final class BackupCommand implements Callable<Integer> {
    @Mixin
    FtCommon ft;

    @Option(names = "--listen", required = true, paramLabel = "[HOST:]PORT",
            description = "Where the primary connects; after going live, where new backups join.")
    String listen;

    @Option(names = "--join", paramLabel = "HOST:PORT", description = "Join the running primary listening (--listen) there.")
    String join;

    @Option(names = "--arbiter", required = true, paramLabel = "URI", description = "The arbiter: tas://HOST:PORT (lockstep arbiter) or zk://HOST:PORT[,HOST:PORT...]/PATH (ZooKeeper; holders are znodes under PATH).")
    String arbiter;

    @Option(names = "--trace", required = true, paramLabel = "DIR", description = "The trace directory to write (new or empty).")
    Path trace;

    @Option(names = "--console", paramLabel = "[HOST:]PORT", description = "Console address to serve when live (default: the primary's port, on this backup's --listen host; on loopback or on all addresses if the primary's console was).")
    String console;

    @Option(names = "--rtc", paramLabel = "host|fixed:NANOS", defaultValue = "host", description = "The RTC once live (default: ${DEFAULT-VALUE}).")
    String rtc;

    @Option(names = "--drive", paramLabel = "file=IMG", description = "The disk the primary shares (its --drive), used once live.")
    String drive;

    @Option(names = "--netdev", paramLabel = "dgram,local=HOST:PORT,remote=HOST:PORT",
            description = "The network addresses to take over when live (the primary's --netdev).")
    String netdev;

    @Option(names = "--max-instructions", paramLabel = "N", defaultValue = "-1", description = "Stop after N instructions once live.")
    long maxInstructions;

    @Override
    public Integer call() throws Exception {
        var log = FtCommon.log("backup");
        dev.lockstep.liveft.FtOptions tuning = ft.options(); // bad values are refused before anything starts
        String me = ft.id("backup");
        try (Arbiter arb = Arbiter.open(arbiter, ft.secret()); ServerSocket server = PrimaryCommand.bind(listen)) {
            Channel ch = join != null ? joinPrimary(log) : awaitPrimary(server, log);
            Backup b = new Backup(ch, trace, arb, tuning, me, log);
            Backup.Result r = b.run();
            if (r instanceof Backup.Result.GuestEnded g) {
                log.accept(String.format("the guest ended at instruction %,d; %,d outputs checked", g.instret(), b.outputsChecked()));
                return g.end().exitCode();
            }
            if (r instanceof Backup.Result.Stopped s) return s.why().startsWith("DIVERGENCE") ? 4 : 3;
            Backup.Result.Live live = (Backup.Result.Live) r;
            InetSocketAddress address = console != null ? Addresses.parse("--console", console)
                    : liveConsole(live.consoleAddress(), (InetSocketAddress) server.getLocalSocketAddress());
            HostInputQueue queue = new HostInputQueue();
            RunOptions ro = new RunOptions();
            ro.rtc = rtc;
            ro.drive = drive;
            ro.netdev = netdev;
            live.machine().setInput(ro.rtcPort());
            try (ConsoleServer service = new ConsoleServer(address, queue, log);
                 HostDevices devices = HostDevices.takeOver(live.machine(), ro, queue, log);
                 var writer = live.trace()) {
                Primary p = new Primary(live.machine(), live.header(), writer, service, queue, arb, ft.secret(), tuning, me, log);
                p.solo();
                int again = devices.writeAgain(live.unapplied());
                if (again > 0) log.accept("wrote again " + again + " disk writes the old primary may not have made durable");
                int reissued = devices.underOutputRule(p, live.machine());
                if (reissued > 0) log.accept("re-issued " + reissued + " disk requests that were in flight");
                p.acceptJoins(server);
                log.accept("live: serving the console on " + service.address() + ", new backups join on " + Addresses.bound(server));
                return PrimaryCommand.finish(p, live.machine(), maxInstructions < 0 ? -1L : maxInstructions, log);
            }
        }
    }

    /**
     * Where a backup gone live serves the console without --console: the primary's port, on loopback if the
     * primary served loopback, on every address if it did, and else on this backup's own --listen address
     * (on another host, the primary's address is not this host's).
     */
    static InetSocketAddress liveConsole(String primaryConsole, InetSocketAddress listen) {
        InetSocketAddress p = Addresses.parse("the primary's console", primaryConsole);
        java.net.InetAddress host = p.getAddress();
        if (host == null || host.isLoopbackAddress()) return new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), p.getPort());
        if (host.isAnyLocalAddress()) return new InetSocketAddress(p.getPort());
        return new InetSocketAddress(listen.getAddress(), p.getPort());
    }

    private Channel joinPrimary(java.util.function.Consumer<String> log) throws IOException {
        Channel c = Channel.connect(Addresses.parse("--join", join), ft.secret(), "join", Math.max(5000, ft.timeoutMillis * 10));
        c.silenceTimeout(Math.max(5000, ft.timeoutMillis * 10));
        return c;
    }

    private Channel awaitPrimary(ServerSocket server, java.util.function.Consumer<String> log) throws IOException {
        log.accept("waiting for the primary on " + Addresses.bound(server));
        while (true) {
            java.net.Socket s = server.accept();
            try {
                Channel c = Channel.accept(s, ft.secret(), 5000);
                if (!"primary".equals(c.peerRole())) {
                    log.accept("refused " + c.peer() + ": it is a " + c.peerRole() + ", not a primary");
                    c.close();
                    continue;
                }
                return c;
            } catch (Channel.Refused e) {
                log.accept(e.getMessage());
            } catch (IOException e) {
                log.accept("a connection from " + s.getRemoteSocketAddress() + " failed: " + e.getMessage());
            }
        }
    }
}
