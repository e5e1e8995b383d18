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
    /*
     * Phandles as QEMU numbers them: its harts from the last down, each cpu then its interrupt controller
     * (with one hart: cpu 1, intc 2), then the PLIC and the test device.
     */
    private static int cpuPhandle(int hart, int harts) { return 2 * (harts - 1 - hart) + 1; }
    private static int intcPhandle(int hart, int harts) { return cpuPhandle(hart, harts) + 1; }

    /** What /chosen says besides the console: kernel command line and initrd placement (0, 0 for none). */
    public record Chosen(String bootargs, long initrdStart, long initrdEnd, byte[] rngSeed) {
        public static final Chosen NONE = new Chosen(null, 0, 0, null);
    }

    /** One device at its base address. */
    public record Mapped(long base, Device device) {}

    private VirtDeviceTree() {}

    /**
     * @param isa      the riscv,isa string the harts report
     * @param harts    how many harts (ids 0 up)
     * @param ramBase  base of RAM
     * @param ramSize  bytes of RAM
     * @param devices  the bus's devices with their bases
     */
    public static byte[] build(String isa, int harts, long ramBase, long ramSize, List<Mapped> devices, Chosen chosen) {
        final int plicPhandle = 2 * harts + 1, testPhandle = plicPhandle + 1;
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
            f.begin("poweroff").cells("value", 0x5555).cells("offset", 0).cells("regmap", testPhandle)
                    .string("compatible", "syscon-poweroff").end();
            f.begin("reboot").cells("value", 0x7777).cells("offset", 0).cells("regmap", testPhandle)
                    .string("compatible", "syscon-reboot").end();
        });

        f.begin("memory@" + hex(ramBase)).string("device_type", "memory").u64s("reg", ramBase, ramSize).end();

        f.begin("cpus");
        f.cells("#address-cells", 1).cells("#size-cells", 0).cells("timebase-frequency", TIMEBASE_HZ);
        for (int h = 0; h < harts; h++) {
            f.begin("cpu@" + h);
            f.cells("phandle", cpuPhandle(h, harts)).string("device_type", "cpu").cells("reg", h).string("status", "okay")
                    .string("compatible", "riscv").string("riscv,isa", isa).string("mmu-type", "riscv,sv48");
            f.begin("interrupt-controller").cells("#interrupt-cells", 1).empty("interrupt-controller")
                    .string("compatible", "riscv,cpu-intc").cells("phandle", intcPhandle(h, harts)).end();
            f.end();
        }
        f.begin("cpu-map").begin("cluster0");
        for (int h = 0; h < harts; h++) f.begin("core" + h).cells("cpu", cpuPhandle(h, harts)).end();
        f.end().end();
        f.end();

        f.begin("soc");
        f.cells("#address-cells", 2).cells("#size-cells", 2).string("compatible", "simple-bus").empty("ranges");
        find(devices, GoldfishRtc.class).ifPresent(d -> f.begin("rtc@" + hex(d.base()))
                .cells("interrupts", RTC_IRQ).cells("interrupt-parent", plicPhandle)
                .u64s("reg", d.base(), d.device().size()).string("compatible", "google,goldfish-rtc").end());
        find(devices, Uart16550.class).ifPresent(d -> f.begin("serial@" + hex(d.base()))
                .cells("interrupts", UART_IRQ).cells("interrupt-parent", plicPhandle)
                .cells("clock-frequency", UART_CLOCK_HZ)
                .u64s("reg", d.base(), d.device().size()).string("compatible", "ns16550a").end());
        find(devices, SifiveTest.class).ifPresent(d -> f.begin("test@" + hex(d.base())).cells("phandle", testPhandle)
                .u64s("reg", d.base(), d.device().size()).string("compatible", "sifive,test1", "sifive,test0", "syscon")
                .end());
        List<Mapped> virtio = new ArrayList<>(devices.stream().filter(m -> m.device() instanceof VirtioMmio).toList());
        virtio.sort(Comparator.comparingLong(Mapped::base).reversed()); // QEMU lists the last slot first
        for (Mapped m : virtio) {
            VirtioMmio v = (VirtioMmio) m.device();
            f.begin("virtio_mmio@" + hex(m.base())).cells("interrupts", VIRTIO_IRQ + v.slot())
                    .cells("interrupt-parent", plicPhandle).u64s("reg", m.base(), v.size())
                    .string("compatible", "virtio,mmio").end();
        }
        find(devices, Plic.class).ifPresent(d -> f.begin("plic@" + hex(d.base())).cells("phandle", plicPhandle)
                .cells("riscv,ndev", Plic.SOURCES - 1).u64s("reg", d.base(), d.device().size())
                .cells("interrupts-extended", perHart(harts, 11, 9)).empty("interrupt-controller")
                .string("compatible", "sifive,plic-1.0.0", "riscv,plic0").cells("#address-cells", 0)
                .cells("#interrupt-cells", 1).end());
        find(devices, Clint.class).ifPresent(d -> f.begin("clint@" + hex(d.base()))
                .cells("interrupts-extended", perHart(harts, 3, 7)).u64s("reg", d.base(), d.device().size())
                .string("compatible", "sifive,clint0", "riscv,clint0").end());
        f.end();

        f.end();
        return f.toByteArray();
    }

    /** interrupts-extended cells naming, for each hart in order, its interrupt controller with {@code irqA}, then with {@code irqB}. */
    private static long[] perHart(int harts, int irqA, int irqB) {
        long[] cells = new long[4 * harts];
        for (int h = 0; h < harts; h++) {
            int intc = intcPhandle(h, harts);
            cells[4 * h] = intc;
            cells[4 * h + 1] = irqA;
            cells[4 * h + 2] = intc;
            cells[4 * h + 3] = irqB;
        }
        return cells;
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
