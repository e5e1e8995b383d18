// The host ends of a live machine's virtio devices: disk file, UDP network, entropy.
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
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
import dev.lockstep.liveft.Backup;
import dev.lockstep.liveft.Primary;
import dev.lockstep.replayer.Sessions;
import dev.lockstep.traceformat.GuestImage;
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
    private FileDisk disk;
    private HostEntropy entropy;

    private HostDevices() {}

    /**
     * The live backends for a machine that has its devices already (an FT backup going live): the shared
     * disk {@code o} names, the network bound to the same addresses as the failed primary's (retried while
     * the port is still held), and entropy if the machine has a virtio-rng. Connect them with
     * {@link #underOutputRule} once the new primary runs alone.
     */
    static HostDevices takeOver(Machine m, RunOptions o, HostInputQueue queue, java.util.function.Consumer<String> log)
            throws InterruptedException {
        HostDevices d = new HostDevices();
        try {
            if (m.virtioDevice(VirtioBlk.class) != null) {
                if (o.drive == null) throw new LockstepException("the guest has a disk: give the backup the shared disk with --drive");
                d.disk = new FileDisk(Path.of(o.driveFile()), queue::put, true);
                d.open.add(d.disk);
            }
            if (m.virtioDevice(VirtioNet.class) != null) {
                if (o.netdev == null) throw new LockstepException("the guest has a NIC: give the backup the primary's --netdev");
                InetSocketAddress[] ends = DgramNetwork.parseSpec(o.netdev);
                long said = 0, deadline = System.nanoTime() + 30_000_000_000L;
                while (d.network == null) {
                    try {
                        d.network = new DgramNetwork(ends[0], ends[1], queue::put);
                    } catch (LockstepException e) {
                        if (System.nanoTime() > deadline) throw e;
                        if (said++ == 0) log.accept("network address " + ends[0] + " is busy; retrying");
                        Thread.sleep(20);
                    }
                }
                d.open.add(d.network);
            }
            if (m.virtioDevice(VirtioRng.class) != null) {
                d.entropy = new HostEntropy(queue::put);
                d.open.add(d.entropy);
            }
            return d;
        } catch (RuntimeException | InterruptedException e) {
            d.close();
            throw e;
        }
    }

    /**
     * Writes to the shared disk, in order, and makes durable the writes a failed primary may not have made durable
     * (see {@code Backup.Result.Live#unapplied}) before the machine runs on. Returns how many it wrote.
     */
    int writeAgain(java.util.List<Backup.Write> writes) {
        if (disk == null || writes.isEmpty()) return 0;
        try {
            for (Backup.Write w : writes) disk.apply(w.offset(), w.data()).join();
            disk.force().join();
        } catch (java.util.concurrent.CompletionException e) {
            throw new LockstepException("cannot go live: " + e.getCause().getMessage(), e.getCause());
        }
        return writes.size();
    }

    /**
     * Connects the backends to an FT primary: frames and disk requests leave under its output rule. A
     * backup going live re-issues here the disk requests that were in flight when the old primary failed.
     * Returns how many it re-issued.
     */
    int underOutputRule(Primary p, Machine m) {
        int reissued = 0;
        if (network != null) {
            DgramNetwork net = network;
            p.network((kind, instret, data, off, len) -> net.send(data, off, len));
        }
        if (disk != null) reissued = m.virtioDevice(VirtioBlk.class).switchBackend(p.outputRuled(disk));
        if (entropy != null) m.virtioDevice(VirtioRng.class).goLive(entropy);
        return reissued;
    }

    HostDevices(Machine m, RunOptions o, HostInputQueue queue) {
        try {
            String drive = o.driveFile();
            if (drive != null) {
                disk = new FileDisk(Path.of(drive), queue::put, true);
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
                entropy = new HostEntropy(queue::put);
                open.add(entropy);
                m.attach(new VirtioRng(entropy));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Writes into the disk image the redo journal an FT primary left next to it (see
     * {@code RedoJournal}): call before anything reads the image. Nothing without --drive or a journal.
     */
    static void applyJournal(RunOptions o, java.util.function.Consumer<String> log) {
        String drive = o.driveFile();
        if (drive != null) dev.lockstep.liveft.RedoJournal.recover(Path.of(drive), log);
    }

    /** The devices the options ask for, as a trace header records them (a shared disk: `FileDisk` carries read data). */
    static Sessions.Devices describe(RunOptions o) {
        String drive = o.driveFile();
        Sessions.Devices.Disk disk = null;
        if (drive != null) {
            Path p = Path.of(drive);
            try {
                disk = new Sessions.Devices.Disk(diskImageName(p), java.nio.file.Files.size(p), true);
            } catch (java.io.IOException e) {
                throw new LockstepException("disk image " + drive + ": " + e.getMessage(), e);
            }
        }
        return new Sessions.Devices(disk, o.netdev != null ? o.macBytes() : null, o.rng);
    }

    /** The disk's image for a trace header (embedded when small), or null without --drive. */
    static GuestImage diskImage(RunOptions o) {
        String drive = o.driveFile();
        return drive == null ? null : Sessions.diskImage(diskImageName(Path.of(drive)), Path.of(drive));
    }

    private static String diskImageName(Path p) { return "disk:" + p.getFileName(); }

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
