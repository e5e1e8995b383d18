// The host ends of a live machine's virtio devices: disk file, UDP network, entropy.
package dev.lockstep.shell;

import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.host.DgramNetwork;
import dev.lockstep.emulator.host.FileDisk;
import dev.lockstep.emulator.host.HostEntropy;
import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.virtio.VirtioBlk;
import dev.lockstep.emulator.virtio.VirtioNet;
import dev.lockstep.emulator.virtio.VirtioRng;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the backends the run options ask for, plugs their devices into the machine (blk, net, rng: the
 * order of QEMU's command line in the comparison tests) and routes the guest's NET output to the
 * network. Backends only queue input events; the live loop delivers them.
 */
final class HostDevices implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();
    private DgramNetwork network;

    HostDevices(Machine m, RunOptions o, HostInputQueue queue) {
        try {
            String drive = o.driveFile();
            if (drive != null) {
                FileDisk disk = new FileDisk(Path.of(drive), queue::put, true);
                open.add(disk);
                m.attach(new VirtioBlk(disk, ""));
            }
            if (o.netdev != null) {
                byte[] mac = o.macBytes();
                InetSocketAddress[] ends = DgramNetwork.parseSpec(o.netdev);
                network = new DgramNetwork(ends[0], ends[1], queue::put);
                open.add(network);
                m.attach(new VirtioNet(mac));
            }
            if (o.rng) {
                HostEntropy e = new HostEntropy(queue::put);
                open.add(e);
                m.attach(new VirtioRng(e));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Whether a backend queues input of its own (disk completions, received frames). */
    boolean feedsInput() { return !open.isEmpty(); }

    /** The console sink, with transmitted frames sent to the network. */
    OutputSink route(OutputSink console) {
        if (network == null) return console;
        DgramNetwork net = network;
        return (kind, instret, data, off, len) -> {
            if (kind == OutputKind.NET) net.send(data, off, len);
            else console.output(kind, instret, data, off, len);
        };
    }

    @Override
    public void close() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                // closing at exit: best effort
            }
        }
        open.clear();
    }
}
