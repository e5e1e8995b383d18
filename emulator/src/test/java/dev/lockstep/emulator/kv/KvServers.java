// Test support: the kvserver guest with a disk image and a dgram wire, on lockstep (in-process) or on QEMU.
package dev.lockstep.emulator.kv;

import dev.lockstep.emulator.LoopbackPorts;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.Qemu;
import dev.lockstep.emulator.TestGuests;
import dev.lockstep.emulator.host.DgramNetwork;
import dev.lockstep.emulator.host.FileDisk;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.run.LiveRunner;
import dev.lockstep.emulator.virtio.VirtioBlk;
import dev.lockstep.emulator.virtio.VirtioNet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A running kvserver: where its wire ends, and its console and exit code once it powered off. */
public interface KvServers extends AutoCloseable {
    /** QEMU's default MAC for the first NIC, which lockstep's --netdev uses too. */
    byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    /** Where the server's backend receives frames: the client connects there. */
    InetSocketAddress wire();

    /** Waits for the guest to power off (after SHUTDOWN) and returns its exit code. */
    int awaitExit(Duration hangGuard);

    /** The console so far. */
    String console();

    @Override
    void close();

    /**
     * kvserver on an in-process lockstep machine, wired as `lockstep run --drive file=IMG --netdev
     * dgram,...` does (HostDevices): blk first, then net, each frame the guest sends to {@code client},
     * driven by the same LiveRunner loop.
     */
    static KvServers lockstep(Path disk, InetSocketAddress client) { return new Lockstep(disk, client); }

    /** kvserver under qemu-system-riscv64 -M virt with the same disk and wire (legacy virtio-mmio, as 7.2's default). */
    static KvServers qemu(Path disk, InetSocketAddress client) { return new QemuServer(disk, client); }

    final class Lockstep implements KvServers {
        private final HostInputQueue queue = new HostInputQueue();
        private final TestGuests.Console console = new TestGuests.Console();
        private final FileDisk disk;
        private final DgramNetwork net;
        private final Machine machine;
        private final LiveRunner runner;
        private final Thread thread;

        Lockstep(Path image, InetSocketAddress client) {
            machine = new Machine(MachineConfig.DEFAULT, InputPort.fixedClock(TestGuests.FIXED_RTC), console);
            disk = new FileDisk(image, queue::put, true);
            machine.attach(new VirtioBlk(disk, ""));
            net = new DgramNetwork(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), client, queue::put);
            machine.attach(new VirtioNet(MAC));
            machine.setOutput((kind, instret, data, off, len) -> {
                if (kind == OutputKind.NET) net.send(data, off, len);
                else console.output(kind, instret, data, off, len);
            });
            machine.load(TestGuests.elf("kvserver"));
            runner = new LiveRunner(machine, queue, new LiveRunner.Hooks() {});
            thread = new Thread(() -> {
                try {
                    runner.run(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "kvserver-lockstep");
            thread.start();
        }

        @Override public InetSocketAddress wire() { return net.localAddress(); }

        @Override
        public int awaitExit(Duration hangGuard) {
            try {
                thread.join(hangGuard.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) throw new AssertionError("kvserver did not power off on lockstep within " + hangGuard);
            if (!machine.halted()) throw new AssertionError("kvserver stopped without powering off");
            return machine.exitCode();
        }

        /** Safe once the machine stopped; while it runs, the console belongs to its thread. */
        @Override public String console() { return thread.isAlive() ? "" : console.text(); }

        @Override
        public void close() {
            runner.quit();
            try {
                thread.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            net.close();
            disk.close();
        }
    }

    final class QemuServer implements KvServers {
        private final Process process;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Thread reader;
        private final InetSocketAddress wire;

        QemuServer(Path disk, InetSocketAddress client) {
            int port = LoopbackPorts.next(); // QEMU needs its local port on the command line
            wire = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            String host = InetAddress.getLoopbackAddress().getHostAddress();
            List<String> cmd = List.of(Qemu.BINARY, "-M", "virt", "-m", "128M", "-nographic", "-bios", "none",
                    "-kernel", TestGuests.prebuilt("kvserver").toString(),
                    "-global", "virtio-mmio.force-legacy=true",
                    "-drive", "file=" + disk + ",if=none,format=raw,id=d", "-device", "virtio-blk-device,drive=d",
                    "-netdev", "dgram,id=n,local.type=inet,local.host=" + host + ",local.port=" + port
                            + ",remote.type=inet,remote.host=" + host + ",remote.port=" + client.getPort(),
                    "-device", "virtio-net-device,netdev=n,mac=52:54:00:12:34:56");
            try {
                process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                process.getOutputStream().close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            InputStream in = process.getInputStream();
            reader = new Thread(() -> {
                byte[] buf = new byte[4096];
                int n;
                try {
                    while ((n = in.read(buf)) > 0) {
                        synchronized (out) {
                            out.write(buf, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // QEMU went away: keep what arrived
                }
            }, "kvserver-qemu-console");
            reader.setDaemon(true);
            reader.start();
        }

        @Override public InetSocketAddress wire() { return wire; }

        @Override
        public int awaitExit(Duration hangGuard) {
            try {
                if (!process.waitFor(hangGuard.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("kvserver did not power off on QEMU within " + hangGuard);
                }
                reader.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return process.exitValue();
        }

        @Override
        public String console() {
            synchronized (out) {
                return out.toString(StandardCharsets.ISO_8859_1);
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
