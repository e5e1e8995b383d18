// Runs the same firmware under qemu-system-riscv64 -M virt -nographic for a scripted console conversation.
package dev.lockstep.emulator.firmware;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A QEMU process whose serial console is its stdin/stdout; it is killed when the session closes. */
final class QemuSession implements ConsoleSession {
    /** A guard against a hung QEMU, not a performance expectation. */
    private static final long WAIT_NANOS = TimeUnit.MINUTES.toNanos(2);
    private final Process process;
    private final OutputStream in;
    private final StringBuffer out = new StringBuffer();
    private final Thread reader;

    QemuSession(List<String> extraArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-riscv64", "-M", "virt", "-m", "128M", "-nographic",
                "-monitor", "none", "-serial", "stdio"));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        in = process.getOutputStream();
        InputStream stdout = process.getInputStream();
        reader = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = stdout.read(buf)) > 0) out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            } catch (java.io.IOException e) {
                // the process went away
            }
        }, "qemu-console");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public int waitFor(String text, int from) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (true) {
            int i = out.indexOf(text, from);
            if (i >= 0) return i + text.length();
            if (!process.isAlive() && !reader.isAlive()) throw new AssertionError("QEMU exited before printing '" + text + "':\n" + out);
            if (System.nanoTime() > deadline) throw new AssertionError("QEMU never printed '" + text + "':\n" + out);
            Thread.sleep(20);
        }
    }

    @Override
    public void type(String s) throws Exception {
        // One byte at a time, as a person types: U-Boot's UART has a small FIFO.
        for (byte b : s.getBytes(StandardCharsets.ISO_8859_1)) {
            in.write(b);
            in.flush();
            Thread.sleep(5);
        }
    }

    @Override
    public String transcript() { return out.toString(); }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
