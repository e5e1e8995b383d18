// A machine snapshot rebuilt from the checkpoint store: the opaque machine state and the content of every RAM page.
package dev.lockstep.traceformat;

import java.util.Arrays;

/**
 * A full machine snapshot at {@link #instret()}, whatever mix of full and delta files it was rebuilt from.
 * The machine state bytes are opaque here (the emulator defines them); RAM is {@link #pageCount()} pages
 * of {@link #pageSize()} bytes.
 */
public final class Checkpoint {
    private final long id;
    private final long instret;
    private final byte[] machineState;
    private final int pageSize;
    private final long ramSize;
    /** Page contents; null for a page of zeros, which most of a fresh guest's RAM is. */
    private final byte[][] pages;

    Checkpoint(long id, long instret, byte[] machineState, int pageSize, long ramSize, byte[][] pages) {
        this.id = id;
        this.instret = instret;
        this.machineState = machineState;
        this.pageSize = pageSize;
        this.ramSize = ramSize;
        this.pages = pages;
    }

    public long id() {
        return id;
    }

    public long instret() {
        return instret;
    }

    public byte[] machineState() {
        return machineState.clone();
    }

    public int pageSize() {
        return pageSize;
    }

    public long ramSize() {
        return ramSize;
    }

    public int pageCount() {
        return pages.length;
    }

    /** A copy of page {@code index}. */
    public byte[] page(int index) {
        byte[] p = pages[index];
        return p == null ? new byte[pageSize] : p.clone();
    }

    /** Copies page {@code index} into {@code dst} at {@code offset}, e.g. straight into the machine's RAM array. */
    public void copyPage(int index, byte[] dst, int offset) {
        byte[] p = pages[index];
        if (p == null) {
            Arrays.fill(dst, offset, offset + pageSize, (byte) 0);
        } else {
            System.arraycopy(p, 0, dst, offset, pageSize);
        }
    }
}
