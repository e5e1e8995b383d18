// `lockstep primary`: run a guest as the primary of an FT pair, its log streamed to a backup.
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.run.LiveRunner;
import dev.lockstep.liveft.Addresses;
import dev.lockstep.liveft.Arbiter;
import dev.lockstep.liveft.ConsoleServer;
import dev.lockstep.liveft.Primary;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.traceformat.TraceHeader;
import dev.lockstep.traceformat.TraceWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "primary", mixinStandardHelpOptions = true,
        description = {"Run a guest as the primary of a fault-tolerant pair (docs/live-ft.md).", "",
                "Every log entry goes to the backup over the logging channel; guest output leaves only",
                "once the backup has acknowledged the log up to it, and so do frames (--netdev) and disk",
                "requests (--drive: a disk shared with the backup, written by the primary only). The console",
                "is served on TCP (--console); the backup takes over it and the network address when it goes live."})
final class PrimaryCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;

    @Mixin
    FtCommon ft;

    @Option(names = "--backup", paramLabel = "HOST:PORT", description = "The backup's --listen address. Without it, the primary starts alone.")
    String backup;

    @Option(names = "--arbiter", required = true, paramLabel = "URI", description = "The arbiter: tas://HOST:PORT (lockstep arbiter) or zk://HOST:PORT[,HOST:PORT...]/PATH (ZooKeeper; holders are znodes under PATH).")
    String arbiter;

    @Option(names = "--console", required = true, paramLabel = "[HOST:]PORT", description = "Serve the guest console on this TCP address.")
    String console;

    @Option(names = "--listen", paramLabel = "[HOST:]PORT", description = "Accept new backups ('lockstep backup --join') here.")
    String listen;

    @Option(names = "--trace", paramLabel = "DIR", description = "Also record the primary's own trace here.")
    Path trace;

    @Parameters(paramLabel = "GUEST", arity = "0..1", description = "The guest ELF image or a bundled guest name (kvcons, or kvserver "
            + "with --drive and --netdev), or use --bios/--kernel/--initrd (an OS: docs/linux.md).")
    String guest;

    @Override
    public Integer call() throws Exception {
        var log = FtCommon.log("primary");
        dev.lockstep.liveft.FtOptions tuning = ft.options(); // bad values are refused before anything starts
        String me = ft.id("primary");
        Sessions.Spec spec = options.spec(guest, "serve");
        HostDevices.applyJournal(options, log); // a pair that stopped with both sides gone left it
        TraceHeader header = Sessions.header(options.config(), spec, HostDevices.describe(options), HostDevices.diskImage(options));
        HostInputQueue queue = new HostInputQueue();
        Machine m = new Machine(options.config(), options.rtcPort(), dev.lockstep.emulator.io.OutputSink.DISCARD);
        try (HostDevices devices = new HostDevices(m, options, queue);
             Arbiter arb = Arbiter.open(arbiter, ft.secret());
             ConsoleServer service = new ConsoleServer(Addresses.parse("--console", console), queue, log);
             TraceWriter writer = trace == null ? null : TraceWriter.create(trace, header);
             ServerSocket joins = listen == null ? null : bind(listen)) {
            spec.bootInto(m);
            Primary p = new Primary(m, header, writer, service, queue, arb, ft.secret(), tuning, me, log);
            devices.underOutputRule(p, m);
            if (backup != null) {
                p.pair(Addresses.parse("--backup", backup), 30_000);
            } else {
                String key = me + "/alone-" + Long.toHexString(new java.security.SecureRandom().nextLong());
                if (!Arbiter.acquire(arb, key, me, log)) throw new LockstepException("the arbiter gave " + key + " to another");
                p.solo();
                log.accept("running alone until a backup joins");
            }
            if (joins != null) p.acceptJoins(joins);
            log.accept("serving the console on " + service.address());
            return finish(p, m, options.limit(), log);
        }
    }

    static ServerSocket bind(String listen) throws java.io.IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(Addresses.parse("--listen", listen));
        return s;
    }

    /** Runs the live loop as primary to the end; shared with a backup that went live. */
    static int finish(Primary p, Machine m, long limit, java.util.function.Consumer<String> log) throws InterruptedException {
        LiveRunner runner = new LiveRunner(m, queueOf(p), p).quantum(dev.lockstep.liveft.FtOptions.DEFAULT.quantum());
        Primary.Outcome o = p.run(runner, limit);
        switch (o) {
            case DEFEATED -> {
                return 3;
            }
            case QUIT -> {
                return 0;
            }
            default -> {
                log.accept(String.format("the guest ended at instruction %,d (%s); %,d bytes sent to backups in %,d batches, %,d ms"
                        + " stalled for backup lag", m.instret(), m.halted() ? "exit " + m.exitCode() : "stopped", p.bytesSent(),
                        p.batchesSent(), p.stallMillis()));
                return m.halted() ? m.exitCode() : 0;
            }
        }
    }

    private static HostInputQueue queueOf(Primary p) { return p.queue(); }
}
