// Linux (guests/linux: a 6.1 kernel and a tiny init) under Debian's OpenSBI: to userspace, through reboots, recorded and replayed.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockstep.emulator.TestGuests;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxBootTest {
    private static final Path FW_JUMP = Path.of("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin");

    @TempDir
    Path dir;

    @BeforeEach
    void needsOpensbi() {
        assumeTrue(Files.isReadable(FW_JUMP), "install opensbi (Debian's package) to boot Linux under it");
    }

    private Path disk() throws IOException {
        Path p = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(8 << 20);
        }
        return p;
    }

    private List<String> boot(String verb, String append, String... more) throws IOException {
        Path linux = TestGuests.root().resolve("guests/linux");
        List<String> args = new ArrayList<>(List.of(verb));
        args.addAll(List.of(more));
        args.addAll(List.of("--idle", "skip", "--bios", FW_JUMP.toString(), "--kernel", linux.resolve("Image").toString(),
                "--initrd", linux.resolve("initramfs.cpio").toString(), "--append", append, "--ram", "256M",
                "--drive", "file=" + disk()));
        return args;
    }

    @Test
    void linuxBootsToUserspaceFindsTheVirtioDevicesAndPowersOff() throws IOException {
        Cli.Result r = Cli.run(boot("run", "console=ttyS0", "--rng").toArray(String[]::new));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Linux version 6.1", "lockstep init: hello from userspace (pid 1)",
                "isa\t\t: rv64imafdc", "mmu\t\t: sv48", "hwrng: read 8 bytes:", "/sys/block: vda", "reboot: Power down");
    }

    /** Linux's reboot goes through OpenSBI to the board's reset; init counts its boots on the disk. */
    @Test
    void linuxRebootsTheMachineAndTheRecordingReplaysVerifiedThroughTheReboot() throws IOException {
        Path trace = dir.resolve("reboot.trace");
        Cli.Result rec = Cli.run(boot("record", "console=ttyS0 lockstep.reboots=1", "-o", trace.toString()).toArray(String[]::new));
        Cli.Result rep = Cli.run("replay", "--verify", "--quiet", trace.toString());

        assertThat(rec.exit()).as(rec.err()).isZero();
        assertThat(rec.out()).contains("lockstep init: boot 1, 1 reboots wanted", "lockstep init: rebooting",
                "reboot: Restarting system", "lockstep init: boot 2, 1 reboots wanted", "reboot: Power down");
        assertThat(rec.out().split("OpenSBI v", -1)).as("OpenSBI's banners: one per boot").hasSize(3);
        byte[] sector = new byte[8];
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("disk.img").toFile(), "r")) {
            f.readFully(sector);
        }
        assertThat(new String(sector, StandardCharsets.US_ASCII)).isEqualTo("boots 2\n");
        assertThat(rep.exit()).as(rep.err()).isZero();
        assertThat(rep.err()).contains("verified");
    }

    /**
     * An SMP kernel on four harts: OpenSBI starts them, Linux brings the secondaries up through SBI HSM and
     * talks to them with IPIs; the recording replays verified, the harts' turns and all.
     */
    @Test
    void linuxBringsUpFourHartsAndTheRecordingReplaysVerified() throws IOException {
        Path trace = dir.resolve("smp.trace");
        Cli.Result rec = Cli.run(boot("record", "console=ttyS0", "--smp", "4", "--rng", "-o", trace.toString()).toArray(String[]::new));
        Cli.Result rep = Cli.run("replay", "--verify", "--quiet", trace.toString());

        assertThat(rec.exit()).as(rec.err()).isZero();
        assertThat(rec.out()).contains("Platform HART Count       : 4", "smp: Brought up 1 node, 4 CPUs", "hart\t\t: 3",
                "CPU0       CPU1       CPU2       CPU3", "Function call interrupts", "/sys/block: vda", "reboot: Power down");
        assertThat(rep.exit()).as(rep.err()).isZero();
        assertThat(rep.err()).contains("verified");
    }

    /** Where the FT test kills the primary: after a console line, and which time it appears (the reboot makes two of each). */
    private record KillPoint(String line, int occurrence) {}

    /** Each with at least a second boot's worth of work after it (the console lags the guest by the output rule). */
    private static final List<KillPoint> KILL_POINTS = List.of(new KillPoint("Linux version", 1), new KillPoint("Run /init as init process", 1),
            new KillPoint("lockstep init: rebooting", 1), new KillPoint("OpenSBI v", 2));

    /**
     * An OS under FT: the primary (two harts) is SIGKILLed at a point of a boot with a reboot chosen at random
     * (a console line, plus up to 200 ms); the backup, which takes the hart count from the primary's header,
     * goes live from its log and finishes the boots on the shared disk, and its trace replays verified.
     */
    @Test
    void linuxUnderFtSurvivesTheLossOfItsPrimaryMidBootAndTheBackupsTraceVerifies() throws Exception {
        Path linux = TestGuests.root().resolve("guests/linux");
        disk();
        java.util.Random random = new java.util.Random();
        KillPoint kill = KILL_POINTS.get(random.nextInt(KILL_POINTS.size()));
        int delayMs = random.nextInt(200);
        try (FtProcesses ft = new FtProcesses(dir)) {
            int arbiterPort = FtProcesses.freePort(), backupPort = FtProcesses.freePort(), consolePort = FtProcesses.freePort();
            String arbiter = "tas://127.0.0.1:" + arbiterPort;
            ft.start("arbiter", "arbiter", "--listen", "" + arbiterPort, "--state", "arbiter.state")
                    .await("serving test-and-set", FtProcesses.LIVENESS_MS);
            FtProcesses.Child backup = ft.start("backup", "backup", "--listen", "" + backupPort, "--arbiter", arbiter,
                    "--trace", "trace", "--drive", "file=disk.img", "--console", "" + FtProcesses.freePort());
            backup.await("waiting for the primary", FtProcesses.LIVENESS_MS);
            // Console output reaches only a connected client: the test connects as soon as the primary serves
            // the console, and every kill point comes a good second of boot after that.
            FtProcesses.Child primary = ft.start("primary", "primary", "--backup", "127.0.0.1:" + backupPort, "--arbiter", arbiter,
                    "--console", "" + consolePort, "--bios", FW_JUMP.toString(),
                    "--kernel", linux.resolve("Image").toString(), "--initrd", linux.resolve("initramfs.cpio").toString(),
                    "--append", "console=ttyS0 lockstep.reboots=1", "--ram", "256M", "--drive", "file=disk.img", "--smp", "2");
            primary.await("serving the console", FtProcesses.LIVENESS_MS);
            try (java.net.Socket console = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), consolePort);
                 java.io.BufferedReader lines = new java.io.BufferedReader(
                         new java.io.InputStreamReader(console.getInputStream(), StandardCharsets.ISO_8859_1))) {
                int seen = 0;
                for (String l; seen < kill.occurrence() && (l = lines.readLine()) != null; ) {
                    if (l.contains(kill.line())) seen++;
                }
                assertThat(seen).as("the primary's console reached %s%n%s", kill, ft.logs()).isEqualTo(kill.occurrence());
            }
            Thread.sleep(delayMs);
            assertThat(primary.process().isAlive()).as("the primary is still booting at %s + %d ms:%n%s", kill, delayMs, ft.logs()).isTrue();
            primary.sigkill();

            backup.await("live: serving the console", FtProcesses.LIVENESS_MS);
            assertThat(backup.process().waitFor()).as("killed at %s + %d ms:%n%s", kill, delayMs, ft.logs()).isZero();
            assertThat(backup.log()).contains("the guest ended").doesNotContain("DIVERGENCE");
        }
        byte[] sector = new byte[8];
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("disk.img").toFile(), "r")) {
            f.readFully(sector);
        }
        assertThat(new String(sector, StandardCharsets.US_ASCII)).as("init's count of boots on the shared disk").isEqualTo("boots 2\n");
        Cli.Result replay = Cli.run("replay", "--verify", "--quiet", dir.resolve("trace").toString());
        assertThat(replay.exit()).as(replay.err()).isZero();
    }

    /** Reads the console until {@code text} has come, or fails naming what did. */
    private static String until(java.io.InputStream in, String text, StringBuilder seen) throws IOException {
        byte[] buf = new byte[4096];
        while (seen.indexOf(text) < 0) {
            int n = in.read(buf);
            if (n < 0) throw new AssertionError("the console closed before '" + text + "'; it said:\n" + seen);
            seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
        return seen.toString();
    }

    /**
     * A backup joins a running Linux by state transfer (init serving the console: lockstep.echo), the
     * primary is SIGKILLed, and the backup, live, answers on the console; its trace, which begins at the
     * join, replays verified.
     */
    @Test
    void aBackupJoinsARunningLinuxTakesOverWhenThePrimaryDiesAndItsTraceVerifies() throws Exception {
        Path linux = TestGuests.root().resolve("guests/linux");
        try (FtProcesses ft = new FtProcesses(dir)) {
            int arbiterPort = FtProcesses.freePort(), joinPort = FtProcesses.freePort(), consolePort = FtProcesses.freePort();
            String arbiter = "tas://127.0.0.1:" + arbiterPort;
            ft.start("arbiter", "arbiter", "--listen", "" + arbiterPort, "--state", "arbiter.state")
                    .await("serving test-and-set", FtProcesses.LIVENESS_MS);
            FtProcesses.Child primary = ft.start("primary", "primary", "--arbiter", arbiter, "--console", "" + consolePort,
                    "--listen", "" + joinPort, "--bios", FW_JUMP.toString(), "--kernel", linux.resolve("Image").toString(),
                    "--initrd", linux.resolve("initramfs.cpio").toString(), "--append", "console=ttyS0 lockstep.echo", "--ram", "256M");
            primary.await("serving the console", FtProcesses.LIVENESS_MS);
            StringBuilder seen = new StringBuilder();
            try (java.net.Socket console = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), consolePort)) {
                console.setSoTimeout((int) FtProcesses.LIVENESS_MS);
                until(console.getInputStream(), "'poweroff' stops", seen);
                FtProcesses.Child backup = ft.start("backup", "backup", "--join", "127.0.0.1:" + joinPort, "--arbiter", arbiter,
                        "--trace", "trace", "--listen", "" + FtProcesses.freePort());
                backup.await("backing up primary", FtProcesses.LIVENESS_MS);
                console.getOutputStream().write("paired\r".getBytes(StandardCharsets.US_ASCII));
                until(console.getInputStream(), "echo: paired", seen);
                assertThat(primary.log()).containsPattern("joined at instruction [0-9,]+ \\(state transfer: [0-9.]+ ms, [0-9,]+ bytes\\)");

                primary.sigkill();
                backup.await("live: serving the console", FtProcesses.LIVENESS_MS);
                try (java.net.Socket live = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), consolePort)) {
                    live.setSoTimeout((int) FtProcesses.LIVENESS_MS);
                    StringBuilder after = new StringBuilder();
                    live.getOutputStream().write("live\r".getBytes(StandardCharsets.US_ASCII));
                    until(live.getInputStream(), "echo: live", after);
                    live.getOutputStream().write("poweroff\r".getBytes(StandardCharsets.US_ASCII));
                    until(live.getInputStream(), "reboot: Power down", after);
                }
                assertThat(backup.process().waitFor()).as(ft.logs()).isZero();
            }
        }
        Cli.Result replay = Cli.run("replay", "--verify", "--quiet", dir.resolve("trace").toString());
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(replay.err()).contains("the trace of a backup that joined there");
    }
}
