package dev.lockstep.emulator.devicetree;

import dev.lockstep.emulator.TestGuests;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockstep.emulator.Boot;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtDeviceTreeTest {
    @TempDir
    Path tmp;

    /** Decompiles a DTB with Debian's dtc; fails on any dtc error. */
    private String dts(byte[] dtb) throws IOException, InterruptedException {
        Path in = tmp.resolve("m.dtb");
        Files.write(in, dtb);
        Process p = new ProcessBuilder("dtc", "-I", "dtb", "-O", "dts", in.toString()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return out;
    }

    private static Machine machine() {
        return new Machine(MachineConfig.DEFAULT, InputPort.fixedClock(0), OutputSink.DISCARD);
    }

    @Test
    void theDtbIsInRamAtTheFdtAddressWithAValidHeader() {
        Machine m = machine();
        byte[] dtb = m.deviceTree();
        ByteBuffer h = ByteBuffer.wrap(dtb);
        assertThat(h.getInt(0)).isEqualTo(0xd00dfeed);
        assertThat(h.getInt(4)).isEqualTo(dtb.length);
        assertThat(h.getInt(20)).isEqualTo(17);
        byte[] inRam = new byte[dtb.length];
        m.bus().readBytes(m.fdtAddress(), inRam, 0, inRam.length);
        assertThat(inRam).isEqualTo(dtb);
        assertThat(m.fdtAddress()).isEqualTo(0x87e00000L); // where QEMU puts it with 128 MiB
    }

    @Test
    void theIsaATraceHeaderRecordsIsTheOneTheHartReports() {
        assertThat(Machine.ISA).isEqualTo(machine().isa()).isEqualTo("rv64imafdc_zicsr_zifencei_zihintpause_sstc");
    }

    @Test
    void dtcReadsTheVirtBoardFromIt() throws Exception {
        assumeTrue(TestGuests.onPath("dtc"), "dtc (device-tree-compiler) is not installed");
        String dts = dts(machine().deviceTree());
        assertThat(dts).contains("compatible = \"riscv-virtio\";", "model = \"riscv-virtio,qemu\";",
                "stdout-path = \"/soc/serial@10000000\";", "timebase-frequency = <0x989680>;",
                "mmu-type = \"riscv,sv48\";", "riscv,isa = \"rv64imafdc_zicsr_zifencei_zihintpause_sstc\";",
                "memory@80000000", "reg = <0x00 0x80000000 0x00 0x8000000>;", "cpu-map",
                "compatible = \"sifive,clint0\\0riscv,clint0\";", "compatible = \"sifive,plic-1.0.0\\0riscv,plic0\";",
                "riscv,ndev = <0x60>;", "compatible = \"ns16550a\";", "interrupts = <0x0a>;",
                "compatible = \"google,goldfish-rtc\";", "compatible = \"sifive,test1\\0sifive,test0\\0syscon\";",
                "compatible = \"syscon-poweroff\";", "compatible = \"syscon-reboot\";");
        for (int i = 0; i < 8; i++) {
            assertThat(dts).contains("virtio_mmio@1000" + (i + 1) + "000 {");
        }
        assertThat(dts.indexOf("virtio_mmio@10008000")).isLessThan(dts.indexOf("virtio_mmio@10001000"));
    }

    @Test
    void chosenCarriesBootargsAndTheInitrdWhenGiven() throws Exception {
        assumeTrue(TestGuests.onPath("dtc"), "dtc (device-tree-compiler) is not installed");
        Path kernel = tmp.resolve("Image"), initrd = tmp.resolve("initrd");
        Files.write(kernel, new byte[4096]);
        Files.write(initrd, new byte[1000]);
        Machine m = machine();
        m.boot(new Boot(null, Boot.Image.read("kernel", kernel), Boot.Image.read("initrd", initrd), "console=ttyS0 quiet"));
        String dts = dts(m.deviceTree());
        assertThat(dts).contains("bootargs = \"console=ttyS0 quiet\";",
                "linux,initrd-start = <0x00 0x84000000>;", "linux,initrd-end = <0x00 0x840003e8>;");
    }

    /**
     * Each hart's cpu node, its interrupt controller, the cpu-map and the CLINT's and PLIC's per-hart
     * interrupts are QEMU's, phandles included (QEMU numbers the harts from the last down), so that firmware
     * and kernels find what they find under {@code -smp N}. Only riscv,isa differs (QEMU's default hart has H
     * and Zb*).
     */
    @Test
    void hartsAreLaidOutAsQemusUnderSmp() throws Exception {
        assumeTrue(TestGuests.onPath("dtc"), "dtc (device-tree-compiler) is not installed");
        assumeTrue(dev.lockstep.emulator.Qemu.available(), dev.lockstep.emulator.Qemu.INSTALL_HINT);
        for (int harts : new int[] {1, 2, 4}) {
            Path q = tmp.resolve("qemu-" + harts + ".dtb");
            Process p = new ProcessBuilder("qemu-system-riscv64", "-M", "virt,dumpdtb=" + q, "-smp", "" + harts,
                    "-nographic", "-bios", "none").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String qemu = dts(Files.readAllBytes(q));
            String ours = dts(new Machine(MachineConfig.DEFAULT.withHarts(harts), InputPort.fixedClock(0), OutputSink.DISCARD)
                    .deviceTree());
            assertThat(hartParts(ours)).as("%d harts", harts).isEqualTo(hartParts(qemu));
            assertThat(hartParts(ours)).contains("cpu@" + (harts - 1) + " {");
        }
    }

    /**
     * The cpus node (riscv,isa left out) and the distinct lines that name a hart's or the board's phandles
     * (distinct: QEMU has devices lockstep has not, such as PCI, whose lines repeat the PLIC's phandle).
     */
    private static String hartParts(String dts) {
        String cpus = dts.substring(dts.indexOf("\tcpus {"), dts.indexOf("\n\t};\n", dts.indexOf("\tcpus {")));
        java.util.SortedSet<String> refs = new java.util.TreeSet<>();
        for (String line : dts.split("\n")) {
            if (line.contains("interrupts-extended") || line.contains("regmap") || line.contains("interrupt-parent")) {
                refs.add(line.trim());
            }
        }
        return cpus.replaceAll("riscv,isa = \"[^\"]*\";", "riscv,isa;") + "\n" + String.join("\n", refs);
    }

    @Test
    void theIsaStringFollowsMisa() {
        long misa = (2L << 62) | 1 | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12);
        assertThat(VirtDeviceTree.isaString(misa, "_zicsr")).isEqualTo("rv64imafdc_zicsr");
    }

    @Test
    void theTreeIsTheSameForTheSameMachine() {
        assertThat(machine().deviceTree()).isEqualTo(machine().deviceTree());
    }
}
