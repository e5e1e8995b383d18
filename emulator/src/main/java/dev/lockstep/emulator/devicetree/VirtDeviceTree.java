// Builds the DTB of a lockstep machine from its own device list, laid out as QEMU 7.2's virt board lays out its own.
package dev.lockstep.emulator.devicetree;

import dev.lockstep.emulator.device.Clint;
import dev.lockstep.emulator.device.Device;
import dev.lockstep.emulator.device.GoldfishRtc;
import dev.lockstep.emulator.device.Plic;
import dev.lockstep.emulator.device.SifiveTest;
import dev.lockstep.emulator.device.Uart16550;
import dev.lockstep.emulator.memory.Bus;
import dev.lockstep.emulator.virtio.VirtioMmio;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The flattened device tree a guest finds at a1. Nodes, property order and phandles follow QEMU 7.2's
 * {@code -M virt} (hw/riscv/virt.c), so firmware that prints what it finds (OpenSBI's banner, U-Boot's
 * {@code bdinfo}) prints the same here; a node is present only when the machine has the device.
 */
public final class VirtDeviceTree {
    public static final long TIMEBASE_HZ = 10_000_000L;
    public static final int UART_CLOCK_HZ = 3_686_400;
    public static final int UART_IRQ = 10, RTC_IRQ = 11, VIRTIO_IRQ = 1;
    private static final int PHANDLE_CPU = 1, PHANDLE_INTC = 2, PHANDLE_PLIC = 3, PHANDLE_TEST = 4;

    /** What /chosen says besides the console: kernel command line and initrd placement (0, 0 for none). */
    public record Chosen(String bootargs, long initrdStart, long initrdEnd, byte[] rngSeed) {
        public static final Chosen NONE = new Chosen(null, 0, 0, null);
    }

    /** One device at its base address. */
    public record Mapped(long base, Device device) {}

    private VirtDeviceTree() {}

    /**
     * @param isa      the riscv,isa string the hart reports
     * @param ramBase  base of RAM
     * @param ramSize  bytes of RAM
     * @param devices  the bus's devices with their bases
     */
    public static byte[] build(String isa, long ramBase, long ramSize, List<Mapped> devices, Chosen chosen) {
        Fdt f = new Fdt();
        f.begin("");
        f.cells("#address-cells", 2).cells("#size-cells", 2);
        f.string("compatible", "riscv-virtio").string("model", "riscv-virtio,qemu");

        f.begin("chosen");
        if (chosen.rngSeed() != null) f.prop("rng-seed", chosen.rngSeed());
        if (chosen.bootargs() != null) f.string("bootargs", chosen.bootargs());
        if (chosen.initrdEnd() > chosen.initrdStart()) {
            f.u64s("linux,initrd-end", chosen.initrdEnd()).u64s("linux,initrd-start", chosen.initrdStart());
        }
        find(devices, Uart16550.class).ifPresent(u -> f.string("stdout-path", "/soc/serial@" + hex(u.base())));
        f.end();

        find(devices, SifiveTest.class).ifPresent(t -> {
            f.begin("poweroff").cells("value", 0x5555).cells("offset", 0).cells("regmap", PHANDLE_TEST)
                    .string("compatible", "syscon-poweroff").end();
            f.begin("reboot").cells("value", 0x7777).cells("offset", 0).cells("regmap", PHANDLE_TEST)
                    .string("compatible", "syscon-reboot").end();
        });

        f.begin("memory@" + hex(ramBase)).string("device_type", "memory").u64s("reg", ramBase, ramSize).end();

        f.begin("cpus");
        f.cells("#address-cells", 1).cells("#size-cells", 0).cells("timebase-frequency", TIMEBASE_HZ);
        f.begin("cpu@0");
        f.cells("phandle", PHANDLE_CPU).string("device_type", "cpu").cells("reg", 0).string("status", "okay")
                .string("compatible", "riscv").string("riscv,isa", isa).string("mmu-type", "riscv,sv48");
        f.begin("interrupt-controller").cells("#interrupt-cells", 1).empty("interrupt-controller")
                .string("compatible", "riscv,cpu-intc").cells("phandle", PHANDLE_INTC).end();
        f.end();
        f.begin("cpu-map").begin("cluster0").begin("core0").cells("cpu", PHANDLE_CPU).end().end().end();
        f.end();

        f.begin("soc");
        f.cells("#address-cells", 2).cells("#size-cells", 2).string("compatible", "simple-bus").empty("ranges");
        find(devices, GoldfishRtc.class).ifPresent(d -> f.begin("rtc@" + hex(d.base()))
                .cells("interrupts", RTC_IRQ).cells("interrupt-parent", PHANDLE_PLIC)
                .u64s("reg", d.base(), d.device().size()).string("compatible", "google,goldfish-rtc").end());
        find(devices, Uart16550.class).ifPresent(d -> f.begin("serial@" + hex(d.base()))
                .cells("interrupts", UART_IRQ).cells("interrupt-parent", PHANDLE_PLIC)
                .cells("clock-frequency", UART_CLOCK_HZ)
                .u64s("reg", d.base(), d.device().size()).string("compatible", "ns16550a").end());
        find(devices, SifiveTest.class).ifPresent(d -> f.begin("test@" + hex(d.base())).cells("phandle", PHANDLE_TEST)
                .u64s("reg", d.base(), d.device().size()).string("compatible", "sifive,test1", "sifive,test0", "syscon")
                .end());
        List<Mapped> virtio = new ArrayList<>(devices.stream().filter(m -> m.device() instanceof VirtioMmio).toList());
        virtio.sort(Comparator.comparingLong(Mapped::base).reversed()); // QEMU lists the last slot first
        for (Mapped m : virtio) {
            VirtioMmio v = (VirtioMmio) m.device();
            f.begin("virtio_mmio@" + hex(m.base())).cells("interrupts", VIRTIO_IRQ + v.slot())
                    .cells("interrupt-parent", PHANDLE_PLIC).u64s("reg", m.base(), v.size())
                    .string("compatible", "virtio,mmio").end();
        }
        find(devices, Plic.class).ifPresent(d -> f.begin("plic@" + hex(d.base())).cells("phandle", PHANDLE_PLIC)
                .cells("riscv,ndev", Plic.SOURCES - 1).u64s("reg", d.base(), d.device().size())
                .cells("interrupts-extended", PHANDLE_INTC, 11, PHANDLE_INTC, 9).empty("interrupt-controller")
                .string("compatible", "sifive,plic-1.0.0", "riscv,plic0").cells("#address-cells", 0)
                .cells("#interrupt-cells", 1).end());
        find(devices, Clint.class).ifPresent(d -> f.begin("clint@" + hex(d.base()))
                .cells("interrupts-extended", PHANDLE_INTC, 3, PHANDLE_INTC, 7).u64s("reg", d.base(), d.device().size())
                .string("compatible", "sifive,clint0", "riscv,clint0").end());
        f.end();

        f.end();
        return f.toByteArray();
    }

    private static java.util.Optional<Mapped> find(List<Mapped> devices, Class<? extends Device> type) {
        return devices.stream().filter(m -> type.isInstance(m.device())).findFirst();
    }

    private static String hex(long v) { return Long.toHexString(v); }

    /** The riscv,isa string for a misa value: base, single-letter extensions in canonical order, then Z/S ones. */
    public static String isaString(long misa, String multiLetter) {
        StringBuilder s = new StringBuilder("rv64");
        for (char c : "imafdqc".toCharArray()) if ((misa >>> (c - 'a') & 1) != 0) s.append(c);
        if ((misa >>> ('h' - 'a') & 1) != 0) s.append('h');
        return s + multiLetter;
    }

    static List<Mapped> mapped(Bus bus) {
        return bus.devices().stream().map(d -> new Mapped(bus.baseOf(d), d)).toList();
    }
}
