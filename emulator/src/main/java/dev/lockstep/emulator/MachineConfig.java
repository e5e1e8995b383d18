// What a machine is made of: the part of a trace's header that says how to rebuild it.
package dev.lockstep.emulator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Machine configuration. Together with the initial images and the log entries it determines every
 * guest-visible value (DESIGN §1), so it is recorded in trace headers as {@link #toMap()}.
 *
 * @param ramSize             bytes of RAM at 0x80000000
 * @param instructionsPerTick how many retired instructions make one 10 MHz mtime tick (10 = 100 MIPS nominal)
 * @param virtioLegacy        virtio-mmio transports are version 1 (legacy), as QEMU 7.2's default
 *                            ({@code force-legacy=true}), rather than version 2
 * @param exitOnReboot        a guest's system reset (sifive_test 0x7777, where OpenSBI's SRST and
 *                            Linux's {@code reboot} end up) ends the run, as QEMU's {@code -no-reboot},
 *                            rather than resetting the machine
 * @param harts               how many harts (QEMU's {@code -smp}); they share one instruction number and
 *                            run in turn, in slices that depend only on the guest (see {@link Machine#run})
 */
public record MachineConfig(long ramSize, long instructionsPerTick, boolean virtioLegacy, boolean exitOnReboot, int harts) {
    public static final long DEFAULT_RAM = 128L << 20;
    public static final int MAX_HARTS = 32;
    public static final MachineConfig DEFAULT = new MachineConfig(DEFAULT_RAM, 10, true, false, 1);
    /**
     * The key of {@link #harts} in {@link #toMap()}, present only with more than one hart: a one-hart
     * machine's map, and so its traces' headers and its DTB's rng-seed, are as before harts could be more.
     */
    public static final String HARTS_KEY = "harts";
    /** The key of {@link #exitOnReboot} in {@link #toMap()}; traces made before it existed ended on a reset. */
    public static final String REBOOT_KEY = "reboot";

    public MachineConfig {
        if (ramSize < (1 << 20) || ramSize % 4096 != 0 || ramSize > (2L << 30) - 4096) {
            throw new LockstepException("RAM size must be a multiple of 4 KiB between 1 MiB and 2 GiB, not " + ramSize);
        }
        if (instructionsPerTick <= 0) throw new LockstepException("instructions per tick must be positive");
        if (harts < 1 || harts > MAX_HARTS) throw new LockstepException("a machine has 1 to " + MAX_HARTS + " harts, not " + harts);
    }

    public MachineConfig withRam(long bytes) { return new MachineConfig(bytes, instructionsPerTick, virtioLegacy, exitOnReboot, harts); }

    public MachineConfig withVirtioLegacy(boolean legacy) { return new MachineConfig(ramSize, instructionsPerTick, legacy, exitOnReboot, harts); }

    public MachineConfig withExitOnReboot(boolean exit) { return new MachineConfig(ramSize, instructionsPerTick, virtioLegacy, exit, harts); }

    public MachineConfig withHarts(int n) { return new MachineConfig(ramSize, instructionsPerTick, virtioLegacy, exitOnReboot, n); }

    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("machine", "virt");
        m.put("isa", "rv64imafdc_zicsr_zifencei");
        m.put("ram", Long.toString(ramSize));
        m.put("instructions-per-tick", Long.toString(instructionsPerTick));
        m.put("virtio", virtioLegacy ? "legacy" : "modern");
        m.put(REBOOT_KEY, exitOnReboot ? "exit" : "reset");
        if (harts > 1) m.put(HARTS_KEY, Integer.toString(harts));
        return m;
    }

    public static MachineConfig fromMap(Map<String, String> m) {
        try {
            return new MachineConfig(Long.parseLong(m.getOrDefault("ram", Long.toString(DEFAULT_RAM))),
                    Long.parseLong(m.getOrDefault("instructions-per-tick", "10")),
                    !"modern".equals(m.getOrDefault("virtio", "legacy")),
                    !"reset".equals(m.getOrDefault(REBOOT_KEY, "exit")),
                    Integer.parseInt(m.getOrDefault(HARTS_KEY, "1")));
        } catch (NumberFormatException e) {
            throw new LockstepException("machine configuration has a malformed number: " + e.getMessage());
        }
    }

    /** Parses sizes like 128M, 1G, 65536. */
    public static long parseSize(String s) {
        String t = s.trim().toUpperCase();
        long mul = 1;
        if (t.endsWith("K")) mul = 1L << 10;
        else if (t.endsWith("M")) mul = 1L << 20;
        else if (t.endsWith("G")) mul = 1L << 30;
        if (mul != 1) t = t.substring(0, t.length() - 1);
        try {
            return Long.parseLong(t) * mul;
        } catch (NumberFormatException e) {
            throw new LockstepException("'" + s + "' is not a size (use e.g. 128M, 1G)");
        }
    }
}
