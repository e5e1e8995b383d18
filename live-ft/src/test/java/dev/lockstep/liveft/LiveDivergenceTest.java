// Live divergence detection: a backup whose replay would emit other output than the primary's says so at once and stops.
package dev.lockstep.liveft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.TestGuests;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.run.LiveRunner;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.traceformat.TraceHeader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveDivergenceTest {
    private static final Secret SECRET = Secret.of("s3cret".getBytes(StandardCharsets.UTF_8));

    /**
     * The primary runs kvcons but tells its backup, in the pairing header, that the guest is a copy whose
     * greeting differs by one letter: the backup's replay is then exactly the primary's until the first
     * console byte that differs, whose OUTPUT entry's hash it cannot match. kvcons then waits for
     * requests, so the primary is still running when it hears why its backup stopped.
     */
    @Test
    void aBackupWhoseOutputWouldDifferReportsTheDivergenceAndThePrimaryGoesOnAlone(@TempDir Path dir) throws Exception {
        byte[] kvcons = TestGuests.bytes("kvcons");
        byte[] lie = kvcons.clone();
        int at = new String(lie, StandardCharsets.ISO_8859_1).indexOf("kvcons ready");
        assertThat(at).as("the greeting in kvcons.elf").isNotNegative();
        lie[at] = 'j';

        List<String> primaryLog = Collections.synchronizedList(new ArrayList<>());
        List<String> backupLog = Collections.synchronizedList(new ArrayList<>());
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ArbiterServer arbiterServer = new ArbiterServer(new InetSocketAddress(loopback, 0), dir.resolve("arbiter"), SECRET, l -> { });
             ServerSocket backupListens = new ServerSocket(0, 1, loopback);
             Arbiter arbiter = Arbiter.open("tas://127.0.0.1:" + arbiterServer.port(), SECRET);
             Arbiter backupArbiter = Arbiter.open("tas://127.0.0.1:" + arbiterServer.port(), SECRET)) {
            CompletableFuture<Backup.Result> backup = CompletableFuture.supplyAsync(() -> {
                try {
                    Channel c = Channel.accept(backupListens.accept(), SECRET, 5000);
                    return new Backup(c, dir.resolve("trace"), backupArbiter, FtOptions.DEFAULT, "backup", backupLog::add).run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            MachineConfig config = MachineConfig.DEFAULT;
            TraceHeader told = Sessions.header(config, Sessions.Spec.elf("kvcons", lie, null));
            HostInputQueue queue = new HostInputQueue();
            Machine m = new Machine(config, InputPort.fixedClock(0), OutputSink.DISCARD);
            Sessions.Spec.elf("kvcons", kvcons, null).bootInto(m);
            try (ConsoleServer service = new ConsoleServer(new InetSocketAddress(loopback, 0), queue, primaryLog::add)) {
                Primary p = new Primary(m, told, null, service, queue, arbiter, SECRET, FtOptions.DEFAULT, "primary", primaryLog::add);
                p.pair(new InetSocketAddress(loopback, backupListens.getLocalPort()), 30_000);
                LiveRunner runner = new LiveRunner(m, queue, p).quantum(FtOptions.DEFAULT.quantum());
                CompletableFuture<Primary.Outcome> primary = CompletableFuture.supplyAsync(() -> {
                    try {
                        return p.run(runner, -1L);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });

                Backup.Result result = backup.get(60, TimeUnit.SECONDS);
                assertThat(result).isInstanceOf(Backup.Result.Stopped.class);
                String why = ((Backup.Result.Stopped) result).why();
                assertThat(why).startsWith("DIVERGENCE at instruction").contains("\"jvcons ready").contains("\"kvcons ready");
                assertThat(backupLog).anyMatch(l -> l.contains("DIVERGENCE at instruction") && l.contains("stops"));
                // The primary hears why, takes the pair's key and goes on alone: the guest still runs.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!primaryLog.toString().contains("won the arbiter: continuing alone") && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(primaryLog).anyMatch(l -> l.contains("the backup stopped: DIVERGENCE"));
                assertThat(primaryLog).anyMatch(l -> l.contains("won the arbiter: continuing alone"));
                assertThat(primary).isNotDone();
                runner.quit();
                assertThat(primary.get(60, TimeUnit.SECONDS)).isEqualTo(Primary.Outcome.QUIT);
            }
        }
    }
}
