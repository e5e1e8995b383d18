// What a trace header says about a session: the machine configuration and the images it booted.
package dev.lockstep.replayer;

import dev.lockstep.emulator.Boot;
import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.elf.ElfImage;
import dev.lockstep.emulator.virtio.VirtioBlk;
import dev.lockstep.emulator.virtio.VirtioNet;
import dev.lockstep.emulator.virtio.VirtioRng;
import dev.lockstep.traceformat.GuestImage;
import dev.lockstep.traceformat.TraceHeader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The boot of a recorded session as a trace header, and back: a GUEST ELF (role "elf", booted as with
 * QEMU's -bios none -kernel) or firmware, kernel and initrd images (roles "bios", "kernel", "initrd")
 * with the command line in the machine configuration. Everything the machine needs is in the trace.
 */
public final class Sessions {
    private Sessions() {}

    public static final String ROLE_ELF = "elf", ROLE_BIOS = "bios", ROLE_KERNEL = "kernel", ROLE_INITRD = "initrd";
    /** The virtio-blk disk as it was when the session started (not booted; replay reads it only in private-disk mode). */
    public static final String ROLE_DISK = "disk";
    /** Disk images up to this size are embedded in the header (zstd-compressed); larger ones are referenced. */
    public static final long EMBED_DISK_LIMIT = 16L << 20;

    /**
     * The virtio devices of a session, plugged in this order (blk, net, rng, as `lockstep run` does), so a
     * replay finds each in the slot it had. Stored in the machine configuration as {@code devices},
     * {@code blk.image}, {@code blk.capacity}, {@code blk.disk} (shared or private) and {@code net.mac}.
     *
     * @param disk the disk, or null
     * @param mac  the NIC's MAC, or null for no NIC
     * @param rng  whether there is a virtio-rng
     */
    public record Devices(Disk disk, byte[] mac, boolean rng) {
        public static final Devices NONE = new Devices(null, null, false);

        /**
         * A disk: the name of its image in the header, its size, and whether it is shared (read data is in
         * the log: VMware FT's default, and what `lockstep record` does) or private to the machine.
         */
        public record Disk(String image, long capacity, boolean shared) {}

        public boolean any() { return disk != null || mac != null || rng; }

        void into(Map<String, String> cfg) {
            if (!any()) return;
            List<String> kinds = new ArrayList<>();
            if (disk != null) {
                kinds.add("blk");
                cfg.put("blk.image", disk.image());
                cfg.put("blk.capacity", Long.toString(disk.capacity()));
                cfg.put("blk.disk", disk.shared() ? "shared" : "private");
            }
            if (mac != null) {
                kinds.add("net");
                cfg.put("net.mac", java.util.HexFormat.ofDelimiter(":").formatHex(mac));
            }
            if (rng) kinds.add("rng");
            cfg.put("devices", String.join(",", kinds));
        }

        /** The devices a trace header's machine configuration describes. */
        public static Devices of(Map<String, String> cfg) {
            String list = cfg.getOrDefault("devices", "");
            Disk disk = null;
            byte[] mac = null;
            boolean rng = false;
            for (String k : list.split(",")) {
                switch (k) {
                    case "" -> { }
                    case "blk" -> {
                        try {
                            disk = new Disk(cfg.getOrDefault("blk.image", ""), Long.parseLong(cfg.getOrDefault("blk.capacity", "")),
                                    !"private".equals(cfg.get("blk.disk")));
                        } catch (NumberFormatException e) {
                            throw new LockstepException("the trace's machine configuration has no valid blk.capacity");
                        }
                    }
                    case "net" -> {
                        try {
                            mac = java.util.HexFormat.ofDelimiter(":").parseHex(cfg.getOrDefault("net.mac", ""));
                        } catch (IllegalArgumentException e) {
                            throw new LockstepException("the trace's machine configuration has no valid net.mac");
                        }
                        if (mac.length != 6) throw new LockstepException("the trace's net.mac is not 6 bytes");
                    }
                    case "rng" -> rng = true;
                    default -> throw new LockstepException("the trace has a virtio device '" + k + "' this lockstep does not know");
                }
            }
            return new Devices(disk, mac, rng);
        }

        /**
         * Plugs the devices into {@code m} with backends that do no host I/O: completions, frames and
         * entropy come from the log. {@code images} reads a header image (the disk, only if a private-disk
         * read needs it).
         */
        public void attachForReplay(Machine m, Function<String, byte[]> images) {
            if (disk != null) {
                ReplayDisk d = new ReplayDisk(disk.capacity(), () -> images.apply(disk.image()));
                m.attach(new VirtioBlk(disk.shared() ? d : d.privateDisk(), ""));
            }
            if (mac != null) m.attach(new VirtioNet(mac));
            if (rng) m.attach(new VirtioRng(n -> { }));
        }
    }

    /** The header image for a disk file: embedded up to {@link #EMBED_DISK_LIMIT}, else referenced by absolute path and SHA-256. */
    public static GuestImage diskImage(String name, java.nio.file.Path file) {
        try {
            long size = java.nio.file.Files.size(file);
            if (size <= EMBED_DISK_LIMIT) return GuestImage.embedded(name, ROLE_DISK, java.nio.file.Files.readAllBytes(file));
            return GuestImage.reference(name, ROLE_DISK, file.toAbsolutePath());
        } catch (java.io.IOException e) {
            throw new LockstepException("cannot read disk image " + file + ": " + e.getMessage(), e);
        }
    }

    /** A session's boot: either a bare-metal ELF, or a {@link Boot}. */
    public record Spec(String elfName, byte[] elf, Boot boot) {
        public static Spec elf(String name, byte[] bytes, String append) {
            return new Spec(name, bytes, append == null ? null : new Boot(null, null, null, append));
        }

        public static Spec firmware(Boot boot) { return new Spec(null, null, boot); }

        /** Loads the images into a freshly built machine. */
        public void bootInto(Machine m) {
            if (boot != null) m.boot(boot);
            if (elf != null) m.load(ElfImage.parse(elfName, elf));
        }
    }

    public static String lockstepVersion() {
        String v = Sessions.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    public static TraceHeader header(MachineConfig config, Spec spec) {
        return header(config, spec, Devices.NONE, null);
    }

    /** A header with virtio devices; {@code disk} is the disk's image ({@link #diskImage}), or null without a disk. */
    public static TraceHeader header(MachineConfig config, Spec spec, Devices devices, GuestImage disk) {
        Map<String, String> cfg = new LinkedHashMap<>(config.toMap());
        // What the hart reports. (MachineConfig's own "isa", which lacked zihintpause and sstc, stays as it
        // was: its map seeds the RNG, so changing it would change every recorded session's entropy.)
        cfg.put("isa", Machine.ISA);
        devices.into(cfg);
        List<GuestImage> images = new ArrayList<>();
        if (disk != null) images.add(disk);
        if (spec.elf != null) images.add(GuestImage.embedded(spec.elfName, ROLE_ELF, spec.elf));
        Boot b = spec.boot;
        if (b != null) {
            if (b.bios() != null) images.add(GuestImage.embedded(b.bios().name(), ROLE_BIOS, b.bios().data()));
            if (b.kernel() != null) images.add(GuestImage.embedded(b.kernel().name(), ROLE_KERNEL, b.kernel().data()));
            if (b.initrd() != null) images.add(GuestImage.embedded(b.initrd().name(), ROLE_INITRD, b.initrd().data()));
            if (b.append() != null) cfg.put("append", b.append());
        }
        return new TraceHeader(lockstepVersion(), cfg, images);
    }

    /** The session a header describes; {@code bytes} reads an image's bytes from the trace. */
    public static Spec spec(TraceHeader h, Function<String, byte[]> bytes) {
        String elfName = null;
        byte[] elf = null;
        Boot.Image bios = null, kernel = null, initrd = null;
        for (GuestImage img : h.images()) {
            switch (img.role()) {
                case ROLE_ELF -> {
                    elfName = img.name();
                    elf = bytes.apply(img.name());
                }
                case ROLE_BIOS -> bios = new Boot.Image(img.name(), bytes.apply(img.name()));
                case ROLE_KERNEL -> kernel = new Boot.Image(img.name(), bytes.apply(img.name()));
                case ROLE_INITRD -> initrd = new Boot.Image(img.name(), bytes.apply(img.name()));
                case ROLE_DISK -> { }
                default -> throw new LockstepException("the trace has an image with role '" + img.role()
                        + "' that this lockstep cannot boot");
            }
        }
        String append = h.machineConfig().get("append");
        if (elf == null && bios == null && kernel == null) throw new LockstepException("the trace header names no image to boot");
        Boot boot = bios != null || kernel != null || initrd != null || append != null ? new Boot(bios, kernel, initrd, append) : null;
        return new Spec(elfName, elf, boot);
    }
}
