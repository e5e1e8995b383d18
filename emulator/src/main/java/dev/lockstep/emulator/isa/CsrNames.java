// The names of the CSRs, for the disassembler and the debugger.
package dev.lockstep.emulator.isa;

import java.util.HashMap;
import java.util.Map;

/** CSR numbers and their names from the privileged spec's CSR listing. */
public final class CsrNames {
    private CsrNames() {}

    private static final Map<Integer, String> NAMES = new HashMap<>();
    private static final Map<String, Integer> NUMBERS = new HashMap<>();

    private static void def(int n, String name) {
        NAMES.put(n, name);
        NUMBERS.put(name, n);
    }

    static {
        def(0x001, "fflags"); def(0x002, "frm"); def(0x003, "fcsr");
        def(0xc00, "cycle"); def(0xc01, "time"); def(0xc02, "instret");
        for (int i = 3; i < 32; i++) def(0xc00 + i, "hpmcounter" + i);
        def(0x100, "sstatus"); def(0x104, "sie"); def(0x105, "stvec"); def(0x106, "scounteren"); def(0x10a, "senvcfg");
        def(0x140, "sscratch"); def(0x141, "sepc"); def(0x142, "scause"); def(0x143, "stval"); def(0x144, "sip");
        def(0x14d, "stimecmp"); def(0x180, "satp");
        def(0xf11, "mvendorid"); def(0xf12, "marchid"); def(0xf13, "mimpid"); def(0xf14, "mhartid"); def(0xf15, "mconfigptr");
        def(0x300, "mstatus"); def(0x301, "misa"); def(0x302, "medeleg"); def(0x303, "mideleg"); def(0x304, "mie");
        def(0x305, "mtvec"); def(0x306, "mcounteren"); def(0x30a, "menvcfg"); def(0x320, "mcountinhibit");
        def(0x340, "mscratch"); def(0x341, "mepc"); def(0x342, "mcause"); def(0x343, "mtval"); def(0x344, "mip");
        def(0x747, "mseccfg");
        for (int i = 0; i < 16; i++) def(0x3a0 + i, "pmpcfg" + i);
        for (int i = 0; i < 64; i++) def(0x3b0 + i, "pmpaddr" + i);
        def(0xb00, "mcycle"); def(0xb02, "minstret");
        for (int i = 3; i < 32; i++) {
            def(0xb00 + i, "mhpmcounter" + i);
            def(0x320 + i, "mhpmevent" + i);
        }
        def(0x7a0, "tselect"); def(0x7a1, "tdata1"); def(0x7a2, "tdata2"); def(0x7a3, "tdata3");
        def(0x7a4, "tinfo"); def(0x7a5, "tcontrol");
    }

    /** The CSR's name, or its number in hex when it has none. */
    public static String name(int csr) {
        String n = NAMES.get(csr);
        return n != null ? n : String.format("0x%03x", csr);
    }

    /** The number of the CSR called {@code name}, or -1. */
    public static int number(String name) {
        Integer n = NUMBERS.get(name.toLowerCase());
        return n != null ? n : -1;
    }

    public static Iterable<String> allNames() { return NUMBERS.keySet(); }
}
