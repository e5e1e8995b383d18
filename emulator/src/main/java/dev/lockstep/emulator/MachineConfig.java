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
 */
public record MachineConfig(long ramSize, long instructionsPerTick, boolean virtioLegacy, boolean exitOnReboot) {
    public static final long DEFAULT_RAM = 128L << 20;
    public static final MachineConfig DEFAULT = new MachineConfig(DEFAULT_RAM, 10, true, false);
    /** The key of {@link #exitOnReboot} in {@link #toMap()}; traces made before it existed ended on a reset. */
    public static final String REBOOT_KEY = "reboot";

    public MachineConfig {
        if (ramSize < (1 << 20) || ramSize % 4096 != 0 || ramSize > (2L << 30) - 4096) {
            throw new LockstepException("RAM size must be a multiple of 4 KiB between 1 MiB and 2 GiB, not " + ramSize);
        }
        if (instructionsPerTick <= 0) throw new LockstepException("instructions per tick must be positive");
    }

    public MachineConfig withRam(long bytes) { return new MachineConfig(bytes, instructionsPerTick, virtioLegacy, exitOnReboot); }

    public MachineConfig withVirtioLegacy(boolean legacy) { return new MachineConfig(ramSize, instructionsPerTick, legacy, exitOnReboot); }

    public MachineConfig withExitOnReboot(boolean exit) { return new MachineConfig(ramSize, instructionsPerTick, virtioLegacy, exit); }

    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("machine", "virt");
        m.put("isa", "rv64imafdc_zicsr_zifencei");
        m.put("ram", Long.toString(ramSize));
        m.put("instructions-per-tick", Long.toString(instructionsPerTick));
        m.put("virtio", virtioLegacy ? "legacy" : "modern");
        m.put(REBOOT_KEY, exitOnReboot ? "exit" : "reset");
        return m;
    }

    public static MachineConfig fromMap(Map<String, String> m) {
        try {
            return new MachineConfig(Long.parseLong(m.getOrDefault("ram", Long.toString(DEFAULT_RAM))),
                    Long.parseLong(m.getOrDefault("instructions-per-tick", "10")),
                    !"modern".equals(m.getOrDefault("virtio", "legacy")),
                    !"reset".equals(m.getOrDefault(REBOOT_KEY, "exit")));
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
