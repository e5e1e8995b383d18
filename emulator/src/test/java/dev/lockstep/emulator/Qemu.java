// Test support: runs a guest on qemu-system-riscv64 -M virt, the reference machine lockstep must match.
package dev.lockstep.emulator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One QEMU run of a bare-metal guest: its console bytes and exit status (sifive_test's code). */
public final class Qemu {
    private Qemu() {}

    public static final String BINARY = "qemu-system-riscv64";
    public static final String INSTALL_HINT = "install qemu-system-misc (qemu-system-riscv64) to run this test";

    /** How long a guest may run before the test gives up on QEMU; a hang guard, not an expectation. */
    private static final long TIMEOUT_SECONDS = 120;

    public record Result(String console, int exitCode) {}

    public static boolean available() { return TestGuests.answers(BINARY, "--version"); }

    /** Runs {@code elf} the way guests/README.md documents, with stdin closed. */
    public static Result run(Path elf) { return run(elf, 1); }

    /** Runs {@code elf} on {@code harts} harts ({@code -smp}). */
    public static Result run(Path elf, int harts) {
        List<String> cmd = List.of(BINARY, "-M", "virt", "-m", "128M", "-smp", Integer.toString(harts), "-nographic",
                "-bios", "none", "-kernel", elf.toString());
        Process p = null;
        try {
            p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = copier(p.getInputStream(), out);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("QEMU did not finish " + elf.getFileName() + " within " + TIMEOUT_SECONDS + " s");
            }
            reader.join();
            return new Result(out.toString(StandardCharsets.ISO_8859_1), p.exitValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for QEMU", e);
        } finally {
            if (p != null) p.destroyForcibly();
        }
    }

    private static Thread copier(InputStream in, ByteArrayOutputStream out) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(out);
            } catch (IOException e) {
                // the process was destroyed: keep what arrived
            }
        }, "qemu-stdout");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
