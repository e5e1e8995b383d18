// A scripted console conversation with a guest: wait for text, type a line, keep the transcript.
package dev.lockstep.emulator.firmware;

/** One side of a firmware comparison: lockstep or QEMU, driven the same way. */
interface ConsoleSession extends AutoCloseable {
    /** Runs until {@code text} appears after transcript position {@code from}; returns the index just after it. */
    int waitFor(String text, int from) throws Exception;

    void type(String s) throws Exception;

    String transcript();

    @Override
    void close();

    /** Types {@code command} and Enter, and waits for U-Boot's next prompt. */
    default int command(String command, int from) throws Exception {
        type(command + "\r");
        int echoed = waitFor(command, from);
        return waitFor("=> ", echoed);
    }
}
