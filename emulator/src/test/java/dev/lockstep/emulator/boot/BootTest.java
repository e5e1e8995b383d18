package dev.lockstep.emulator.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.lockstep.emulator.Boot;
import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.host.FileDisk;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputSink;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootTest {
    @TempDir
    Path tmp;

    private static Machine machine() {
        return new Machine(MachineConfig.DEFAULT, InputPort.fixedClock(0), OutputSink.DISCARD);
    }

    private Boot.Image file(String name, byte[] data) throws Exception {
        Path p = tmp.resolve(name);
        Files.write(p, data);
        return Boot.Image.read("firmware", p);
    }

    private static long word(Machine m, long pa) { return m.bus().read(pa, 8); }

    @Test
    void aFlatBiosStartsAtRamWithTheKernelAtTheNext2MiBBoundary() throws Exception {
        Machine m = machine();
        m.boot(new Boot(file("fw.bin", new byte[300 * 1024]), file("Image", new byte[8192]), null, null));
        // The reset vector's data words: start address, DTB address, then fw_dynamic_info (magic, version, next_addr).
        assertThat(word(m, 0x1018)).isEqualTo(0x80000000L);
        assertThat(word(m, 0x1020)).isEqualTo(m.fdtAddress());
        assertThat(word(m, 0x1028)).isEqualTo(0x4942534fL);
        assertThat(word(m, 0x1038)).isEqualTo(0x80200000L);
    }

    @Test
    void aMissingImageIsOneClearSentence() {
        assertThatThrownBy(() -> Boot.Image.read("firmware", tmp.resolve("nope.bin")))
                .isInstanceOf(LockstepException.class).hasMessageEndingWith("nope.bin: no such file");
    }

    @Test
    void anUnreadableImageIsOneClearSentence() throws Exception {
        Path p = tmp.resolve("secret.bin");
        Files.write(p, new byte[16]);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(p), "running as a user who can read anything (root)");
        assertThatThrownBy(() -> Boot.Image.read("firmware", p)).isInstanceOf(LockstepException.class)
                .hasMessageContaining("permission denied");
    }

    @Test
    void anEmptyImageOrADirectoryIsRefused() throws Exception {
        assertThatThrownBy(() -> file("empty.bin", new byte[0])).hasMessageContaining("is empty");
        assertThatThrownBy(() -> Boot.Image.read("kernel", tmp)).hasMessageContaining("is a directory");
    }

    @Test
    void firmwareForAnotherMachineIsRefused() throws Exception {
        byte[] elf = new byte[64];
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(18, (short) 62); // x86-64
        Boot.Image x86 = file("bios.elf", elf);
        assertThatThrownBy(() -> machine().boot(new Boot(x86, null, null, null)))
                .isInstanceOf(LockstepException.class).hasMessageContaining("not RISC-V");
    }

    @Test
    void anImageLargerThanRamIsRefused() throws Exception {
        Machine m = new Machine(MachineConfig.DEFAULT.withRam(2 << 20), InputPort.fixedClock(0), OutputSink.DISCARD);
        Boot.Image big = file("big.bin", new byte[3 << 20]);
        assertThatThrownBy(() -> m.boot(new Boot(big, null, null, null)))
                .isInstanceOf(LockstepException.class).hasMessageContaining("does not fit in RAM");
    }

    @Test
    void anInitrdWithoutAKernelIsRefused() throws Exception {
        Boot.Image rd = file("initrd", new byte[10]);
        assertThatThrownBy(() -> machine().boot(new Boot(null, null, rd, null))).hasMessageContaining("needs a kernel");
    }

    @Test
    void aDiskImageThatIsNotWholeSectorsIsAClearHostError() throws Exception {
        Path img = tmp.resolve("odd.img");
        Files.write(img, new byte[1000]);
        assertThatThrownBy(() -> new FileDisk(img, e -> { }, true)).isInstanceOf(LockstepException.class)
                .hasMessageContaining("not a whole number of 512-byte sectors");
    }

    @Test
    void aMissingDiskImageIsAClearHostError() {
        assertThatThrownBy(() -> new FileDisk(tmp.resolve("none.img"), e -> { }, true))
                .isInstanceOf(LockstepException.class).hasMessageContaining("no such file");
    }
}
