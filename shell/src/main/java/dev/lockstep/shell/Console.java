// The host console for a running guest: raw terminal input with QEMU's Ctrl-A X, and buffered output.
package dev.lockstep.shell;

import dev.lockstep.emulator.io.HostInputQueue;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Connects stdin/stdout to the guest's UART. On a terminal, input is raw (every key goes to the guest)
 * and Ctrl-A X quits, Ctrl-A Ctrl-A sends Ctrl-A, as in QEMU's -nographic. Piped input is read to EOF.
 * A reader thread only queues bytes; the machine loop delivers them.
 */
final class Console implements AutoCloseable, OutputSink {
    private final HostInputQueue queue;
    private final OutputStream out;
    private Terminal terminal;
    private Attributes saved;
    private Runnable onQuit = () -> { };
    private boolean dirty;
    private boolean lastSource = true;

    /** Guest output goes to {@code stdout} (System.out for the CLI; a capture in tests), buffered. */
    Console(HostInputQueue queue, OutputStream stdout) {
        this.queue = queue;
        this.out = new BufferedOutputStream(stdout, 1 << 16);
    }

    /**
     * Other backends (disk, network) feed the same queue: stdin reaching EOF then does not mean that no
     * more input can come, so the queue stays open and a guest waiting in WFI for a frame or a disk
     * completion keeps waiting instead of being stopped as idle forever.
     */
    void notLastSource() { this.lastSource = false; }

    void onQuit(Runnable r) { this.onQuit = r; }

    /** Starts reading input: from the terminal in raw mode if stdin is one, else from the pipe. */
    void start(boolean readInput) {
        if (!readInput) {
            queue.close();
            return;
        }
        boolean tty = System.console() != null;
        InputStream in = System.in;
        if (tty) {
            try {
                terminal = TerminalBuilder.builder().system(true).jni(false).exec(true).build();
                saved = terminal.enterRawMode();
                in = terminal.input();
            } catch (IOException | RuntimeException e) {
                terminal = null;
            }
        }
        final InputStream src = in;
        final boolean escapes = terminal != null;
        Thread t = new Thread(() -> pump(src, escapes), "console-input");
        t.setDaemon(true);
        t.start();
    }

    private void pump(InputStream in, boolean escapes) {
        byte[] buf = new byte[4096];
        boolean ctrlA = false;
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (!escapes) {
                    queue.put(new InputEvent.ConsoleInput(java.util.Arrays.copyOf(buf, n)));
                    continue;
                }
                java.io.ByteArrayOutputStream keep = new java.io.ByteArrayOutputStream();
                for (int i = 0; i < n; i++) {
                    int b = buf[i] & 0xff;
                    if (ctrlA) {
                        ctrlA = false;
                        if (b == 'x' || b == 'X') {
                            onQuit.run();
                            return;
                        }
                        if (b == 1) keep.write(1);
                        continue;
                    }
                    if (b == 1) ctrlA = true;
                    else keep.write(b);
                }
                if (keep.size() > 0) queue.put(new InputEvent.ConsoleInput(keep.toByteArray()));
            }
        } catch (IOException e) {
            // stdin went away: no more input
        }
        if (lastSource) queue.close();
    }

    @Override
    public void output(OutputKind kind, long instret, byte[] data, int off, int len) {
        if (kind != OutputKind.CONSOLE) return;
        try {
            out.write(data, off, len);
            dirty = true;
        } catch (IOException e) {
            // stdout closed: the guest keeps running, its output goes nowhere
        }
    }

    void flush() {
        if (!dirty) return;
        dirty = false;
        try {
            out.flush();
        } catch (IOException e) {
            // ignore, as above
        }
    }

    @Override
    public void close() {
        flush();
        if (terminal != null) {
            try {
                terminal.setAttributes(saved);
                terminal.close();
            } catch (IOException e) {
                // best effort
            }
        }
    }
}
