// Guest traps as a control-flow exception: raised deep in the memory path, caught once per block.
package dev.lockstep.emulator.cpu;

/**
 * A synchronous guest exception in flight. One instance per hart, reused and without a stack trace,
 * so raising a page fault costs no allocation. Never escapes the hart.
 */
final class Trap extends RuntimeException {
    static final int INSN_MISALIGNED = 0, INSN_ACCESS = 1, ILLEGAL_INSN = 2, BREAKPOINT = 3, LOAD_MISALIGNED = 4,
            LOAD_ACCESS = 5, STORE_MISALIGNED = 6, STORE_ACCESS = 7, ECALL_U = 8, ECALL_S = 9, ECALL_M = 11,
            INSN_PAGE_FAULT = 12, LOAD_PAGE_FAULT = 13, STORE_PAGE_FAULT = 15;
    /**
     * Not a RISC-V cause: a debugger's read watchpoint stops the hart before the reading instruction, which
     * unwinds as a trap does and then leaves the guest's state as it was (see {@link Hart#watchReads}).
     */
    static final int WATCH_STOP = 64;

    long cause;
    long tval;

    Trap() { super(null, null, false, false); }

    Trap set(long cause, long tval) {
        this.cause = cause;
        this.tval = tval;
        return this;
    }
}
