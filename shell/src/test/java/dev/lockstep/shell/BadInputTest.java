// Images a user can get wrong: each is refused with one clear line and exit status 2, never a stack trace.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
    @TempDir
    Path dir;

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private static byte[] hello() { return dev.lockstep.emulator.TestGuests.bytes("hello"); }

    private static ByteBuffer le(byte[] d) { return ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN); }

    /** Runs the guest and checks the common promise: status 2, one line on stderr naming the problem, no stack. */
    private static String refused(Object... args) {
        String[] argv = Arrays.stream(args).map(Object::toString).toArray(String[]::new);
        Cli.Result r = Cli.run(argv);
        assertThat(r.exit()).as("exit status; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as("stderr").hasSize(1);
        assertThat(r.err()).startsWith("lockstep: ").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
        return r.err().strip();
    }

    @Test
    void aFileThatIsNotElfIsRefused() throws IOException {
        Path p = file("notes.txt", "just some text\n".getBytes());

        assertThat(refused("run", p)).contains("notes.txt is not an ELF file");
    }

    @Test
    void anElfForAnotherArchitectureIsRefusedNamingIt() throws IOException {
        byte[] d = hello();
        le(d).putShort(18, (short) 62); // e_machine = EM_X86_64
        Path p = file("x86.elf", d);

        assertThat(refused("run", p)).contains("x86.elf").contains("x86-64").contains("not RISC-V");
    }

    @Test
    void anElfCutTo100BytesIsRefusedAsTruncated() throws IOException {
        Path p = file("cut100.elf", Arrays.copyOf(hello(), 100));

        assertThat(refused("run", p)).contains("cut100.elf is truncated");
    }

    @Test
    void anElfCutInHalfIsRefusedAsTruncated() throws IOException {
        byte[] d = hello();
        Path p = file("half.elf", Arrays.copyOf(d, d.length / 2));

        assertThat(refused("run", p)).contains("half.elf is truncated");
    }

    @Test
    void anElf32IsRefused() throws IOException {
        byte[] d = hello();
        d[4] = 1; // EI_CLASS = ELFCLASS32
        Path p = file("elf32.elf", d);

        assertThat(refused("run", p)).contains("32-bit");
    }

    @Test
    void aSegmentOutsideRamIsRefused() throws IOException {
        Path p = file("low.elf", TinyElf.of(0x4000_0000L, 0x0000006f));

        assertThat(refused("run", p)).contains("low.elf").contains("outside RAM");
    }

    @Test
    void aSegmentPastTheEndOfASmallRamIsRefused() throws IOException {
        Path p = file("high.elf", TinyElf.of(0x8010_0000L, 0x0000006f));

        assertThat(refused("run", "--ram", "1M", p)).contains("outside RAM");
    }

    @Test
    void aMissingFileIsRefusedListingTheBundledGuests() {
        assertThat(refused("run", dir.resolve("absent.elf"))).contains("absent.elf: no such file").contains("hello");
    }

    @Test
    void aDirectoryIsRefused() {
        assertThat(refused("run", dir)).contains("is a directory");
    }

    @Test
    void aBadRamSizeIsRefused() {
        assertThat(refused("run", "--ram", "12345", "hello")).contains("RAM size");
    }

    @Test
    void aBadRtcSettingIsRefused() {
        assertThat(refused("run", "--rtc", "fixed:soon", "hello")).contains("--rtc");
    }

    @Test
    void anUnknownDurabilityIsRefusedNamingTheChoices() {
        assertThat(refused("primary", "--backup", "127.0.0.1:1", "--arbiter", "tas://127.0.0.1:1", "--console", "0", "--durability", "fsync",
                "hello")).contains("'fsync' is not a durability: use disk or replica");
    }

    /** run, record and primary take the same choice of what to boot, refused the same way before anything starts. */
    @Test
    void aGuestAndAKernelTogetherOrNeitherIsRefusedByEveryCommandThatBoots() throws IOException {
        String kernel = file("Image", new byte[4096]).toString();
        String[] pair = {"--backup", "127.0.0.1:1", "--arbiter", "tas://127.0.0.1:1", "--console", "0"};
        for (String[] cmd : List.of(new String[] {"run"}, new String[] {"record", "-o", dir.resolve("t").toString()},
                concat(new String[] {"primary"}, pair))) {
            assertThat(refused((Object[]) concat(cmd, new String[] {"--kernel", kernel, "hello"})))
                    .isEqualTo("lockstep: give either a GUEST or --bios/--kernel/--initrd, not both");
            assertThat(refused((Object[]) concat(cmd, new String[] {"--initrd", kernel, "hello"})))
                    .isEqualTo("lockstep: give either a GUEST or --bios/--kernel/--initrd, not both");
            assertThat(refused((Object[]) cmd)).startsWith("lockstep: nothing to ").endsWith(": give a GUEST, --kernel FILE or --bios FILE");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void anUnknownOptionIsRefusedWithStatus2() {
        Cli.Result r = Cli.run("run", "--no-such-option", "hello");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--no-such-option").doesNotContain("\tat ");
    }

    @Test
    void debugAddsTheStackTraceForAUserError() throws IOException {
        Path p = file("notes.txt", "just some text\n".getBytes());

        Cli.Result r = Cli.run("--debug", "run", p.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("not an ELF file").contains("\tat ");
    }

    @Test
    void debugFromOneInvocationDoesNotLeakIntoTheNext() {
        Cli.run("--debug", "run", dir.resolve("absent.elf").toString());

        assertThat(refused("run", dir.resolve("absent.elf"))).contains("no such file");
    }
}
