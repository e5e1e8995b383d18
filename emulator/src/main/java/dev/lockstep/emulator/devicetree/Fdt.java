// A small flattened-device-tree (DTB) writer: header, memory reservation map, structure and strings blocks.
package dev.lockstep.emulator.devicetree;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes a DTB (devicetree specification v0.4, version 17) node by node, in the order the caller
 * emits them. Property names are shared in the strings block the way libfdt shares them (a name that
 * is the tail of one already stored reuses it), so a tree built in QEMU's order has QEMU's size.
 */
public final class Fdt {
    private static final int MAGIC = 0xd00dfeed, BEGIN_NODE = 1, END_NODE = 2, PROP = 3, END = 9;

    private final ByteArrayOutputStream struct = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Deque<String> open = new ArrayDeque<>();

    public Fdt begin(String name) {
        u32(BEGIN_NODE);
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        struct.write(n, 0, n.length);
        struct.write(0);
        pad();
        open.push(name);
        return this;
    }

    public Fdt end() {
        if (open.isEmpty()) throw new IllegalStateException("no open node");
        open.pop();
        u32(END_NODE);
        return this;
    }

    public Fdt prop(String name, byte[] value) {
        u32(PROP);
        u32(value.length);
        u32(nameOffset(name));
        struct.write(value, 0, value.length);
        pad();
        return this;
    }

    public Fdt empty(String name) { return prop(name, new byte[0]); }

    public Fdt cells(String name, long... cells) {
        ByteBuffer b = ByteBuffer.allocate(4 * cells.length);
        for (long c : cells) b.putInt((int) c);
        return prop(name, b.array());
    }

    /** Each value as two cells (high, low): reg entries and 64-bit values with #cells = 2. */
    public Fdt u64s(String name, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length);
        for (long v : values) b.putLong(v);
        return prop(name, b.array());
    }

    /** A string, or a string list (each NUL-terminated). */
    public Fdt string(String name, String... values) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (String s : values) {
            byte[] v = s.getBytes(StandardCharsets.UTF_8);
            o.write(v, 0, v.length);
            o.write(0);
        }
        return prop(name, o.toByteArray());
    }

    /** The finished blob; every node must have been closed. */
    public byte[] toByteArray() {
        if (!open.isEmpty()) throw new IllegalStateException("node " + open.peek() + " is not closed");
        u32(END);
        byte[] s = struct.toByteArray(), str = strings.toByteArray();
        int rsvOff = 40, structOff = rsvOff + 16, stringsOff = structOff + s.length, total = stringsOff + str.length;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.putInt(MAGIC).putInt(total).putInt(structOff).putInt(stringsOff).putInt(rsvOff).putInt(17).putInt(16)
                .putInt(0).putInt(str.length).putInt(s.length);
        b.putLong(0).putLong(0); // an empty memory reservation map
        b.put(s).put(str);
        return b.array();
    }

    private int nameOffset(String name) {
        byte[] tab = strings.toByteArray();
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int p = 0; p + n.length <= tab.length; p++) {
            for (int i = 0; i < n.length; i++) if (tab[p + i] != n[i]) continue outer;
            return p;
        }
        strings.write(n, 0, n.length);
        return tab.length;
    }

    private void u32(int v) {
        struct.write(v >>> 24);
        struct.write(v >>> 16);
        struct.write(v >>> 8);
        struct.write(v);
    }

    private void pad() {
        while (struct.size() % 4 != 0) struct.write(0);
    }
}
