// Test support: finds the repository's prebuilt guests and runs them on an in-process machine.
package dev.lockstep.emulator;

import dev.lockstep.emulator.elf.ElfImage;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Shared by the machine-level tests: guest images, a console capture, and a driver loop that skips idle time. */
public final class TestGuests {
    private TestGuests() {}

    /** A fixed RTC value (ns since the epoch): runs that read the RTC are then a pure function of the image. */
    public static final long FIXED_RTC = 1_700_000_000_000_000_000L;

    /**
     * The volatile fields guests print (guests/README.md): counters and times, as {@code @name=VALUE}. Only
     * these are masked when comparing consoles across machines; every other byte must match.
     */
    public static final Pattern VOLATILE = Pattern.compile("@[A-Za-z_]+=\\S+");

    /**
     * True if {@code command} runs and exits 0 (a {@code --version} probe): tests that need an external
     * tool skip, naming the Debian package to install, when it does not.
     */
    public static boolean answers(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** True if {@code tool} is an executable file in a PATH directory. */
    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** The repository root: Surefire passes it as lockstep.root; walk up from there (or the working directory). */
    public static Path root() {
        String prop = System.getProperty("lockstep.root");
        Path start = (prop != null ? Path.of(prop) : Path.of("")).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("guests/prebuilt"))) return p;
        }
        throw new IllegalStateException("cannot find guests/prebuilt above " + start);
    }

    public static Path prebuilt(String guest) { return root().resolve("guests/prebuilt/" + guest + ".elf"); }

    public static byte[] bytes(String guest) {
        try {
            return Files.readAllBytes(prebuilt(guest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ElfImage elf(String guest) { return ElfImage.parse(guest + ".elf", bytes(guest)); }

    /** Collects console output. */
    public static final class Console implements OutputSink {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void output(OutputKind kind, long instret, byte[] data, int off, int len) {
            if (kind == OutputKind.CONSOLE) bytes.write(data, off, len);
        }

        public byte[] bytes() { return bytes.toByteArray(); }

        public String text() { return new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1); }
    }

    /** A machine with {@code guest} loaded, a fixed RTC and its console captured by {@code console}. */
    public static Machine machine(String guest, MachineConfig config, long rtc, Console console) {
        Machine m = new Machine(config, InputPort.fixedClock(rtc), console);
        m.load(elf(guest));
        return m;
    }

    /**
     * Runs to instruction number {@code target} or a halt, skipping idle time to the next timer deadline as
     * the recorder's skip mode would. Returns early if the guest idles with no timer armed.
     */
    public static Machine.Status runTo(Machine m, long target) {
        while (true) {
            Machine.Status s = m.run(target);
            if (s != Machine.Status.IDLE) return s;
            long next = m.nextTimerTicks();
            if (next == -1L) return s;
            m.setTime(next);
        }
    }

    /** What a complete run produced. */
    public record Outcome(String console, boolean halted, int exitCode, long instret, long stateHash) {
        public String masked() { return mask(console); }
    }

    /** Runs {@code guest} to its end (or {@code limit} instructions). */
    public static Outcome run(String guest, MachineConfig config, long rtc, long limit) {
        Console console = new Console();
        Machine m = machine(guest, config, rtc, console);
        runTo(m, limit);
        return new Outcome(console.text(), m.halted(), m.exitCode(), m.instret(), m.stateHash());
    }

    /** {@code console} with each volatile field replaced by {@code @name=*}. */
    public static String mask(String console) {
        return VOLATILE.matcher(console).replaceAll(r -> {
            String s = r.group();
            return java.util.regex.Matcher.quoteReplacement(s.substring(0, s.indexOf('=') + 1) + "*");
        });
    }
}
