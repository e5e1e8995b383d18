// What a trace header says about a session: the machine configuration and the images it booted.
package dev.lockstep.replayer;

import dev.lockstep.emulator.Boot;
import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.elf.ElfImage;
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
        Map<String, String> cfg = new LinkedHashMap<>(config.toMap());
        List<GuestImage> images = new ArrayList<>();
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
