// The ns16550a UART the QEMU virt board has at 0x10000000: the guest console.
package dev.lockstep.emulator.device;

import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;
import java.util.function.LongSupplier;

/**
 * A 16550A with register shift 0, as QEMU's serial device: transmission is instant (THR always
 * empty), received bytes wait in a FIFO until read, and the interrupt line follows IER, the receive
 * FIFO and the THR-empty condition. Reset values follow QEMU (LSR = THRE|TEMT, MCR = OUT2, MSR = DCD|DSR|CTS).
 */
public final class Uart16550 implements Device {
    private static final int LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40;
    private static final int IER_RDI = 0x01, IER_THRI = 0x02;
    private static final int RX_LIMIT = 1 << 16;

    private final OutputSink sink;
    private final LongSupplier instret;
    private IrqLine irq = IrqLine.NONE;
    private final byte[] rx = new byte[RX_LIMIT];
    private int rxHead, rxCount;
    private int ier, lcr, mcr = 0x08, scr, dll = 0x0c, dlm, fcr;
    private boolean thrPending;
    private final byte[] one = new byte[1];

    public Uart16550(OutputSink sink, LongSupplier instret) {
        this.sink = sink;
        this.instret = instret;
    }

    public void connect(IrqLine line) {
        this.irq = line;
        updateIrq();
    }

    @Override public String name() { return "uart"; }
    @Override public long size() { return 0x100; }

    /** Bytes arriving on the line; delivered by the machine at an instruction boundary. */
    public void receive(byte[] bytes) {
        for (byte b : bytes) {
            if (rxCount == RX_LIMIT) break; // overrun: the rest is lost, as on hardware
            rx[(rxHead + rxCount++) % RX_LIMIT] = b;
        }
        updateIrq();
    }

    public int pendingInput() { return rxCount; }

    private boolean dlab() { return (lcr & 0x80) != 0; }

    @Override
    public long read(long off, int size) {
        int v;
        switch ((int) off) {
            case 0 -> {
                if (dlab()) v = dll;
                else if (rxCount > 0) {
                    v = rx[rxHead] & 0xff;
                    rxHead = (rxHead + 1) % RX_LIMIT;
                    rxCount--;
                    updateIrq();
                } else v = 0;
            }
            case 1 -> v = dlab() ? dlm : ier;
            case 2 -> {
                v = iir();
                if ((v & 0x0f) == 0x02) {
                    thrPending = false;
                    updateIrq();
                }
            }
            case 3 -> v = lcr;
            case 4 -> v = mcr;
            case 5 -> v = (rxCount > 0 ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
            case 6 -> v = 0xb0;
            case 7 -> v = scr;
            default -> v = 0;
        }
        return v;
    }

    private int iir() {
        int fifo = (fcr & 1) != 0 ? 0xc0 : 0;
        if ((ier & IER_RDI) != 0 && rxCount > 0) return fifo | 0x04;
        if ((ier & IER_THRI) != 0 && thrPending) return fifo | 0x02;
        return fifo | 0x01;
    }

    @Override
    public void write(long off, int size, long value) {
        int v = (int) value & 0xff;
        switch ((int) off) {
            case 0 -> {
                if (dlab()) dll = v;
                else {
                    one[0] = (byte) v;
                    sink.output(OutputKind.CONSOLE, instret.getAsLong(), one, 0, 1);
                    thrPending = true;
                    updateIrq();
                }
            }
            case 1 -> {
                if (dlab()) dlm = v;
                else {
                    boolean thriOn = (v & IER_THRI) != 0 && (ier & IER_THRI) == 0;
                    ier = v & 0x0f;
                    if (thriOn) thrPending = true; // THR is always empty here
                    updateIrq();
                }
            }
            case 2 -> {
                fcr = v & 0xc9;
                if ((v & 0x02) != 0) {
                    rxHead = 0;
                    rxCount = 0;
                }
                updateIrq();
            }
            case 3 -> lcr = v;
            case 4 -> mcr = v & 0x1f;
            case 7 -> scr = v;
            default -> { }
        }
    }

    private void updateIrq() {
        irq.set((iir() & 1) == 0);
    }

    @Override
    public void save(StateWriter out) {
        byte[] pending = new byte[rxCount];
        for (int i = 0; i < rxCount; i++) pending[i] = rx[(rxHead + i) % RX_LIMIT];
        out.bytes(pending).i32(ier).i32(lcr).i32(mcr).i32(scr).i32(dll).i32(dlm).i32(fcr).bool(thrPending);
    }

    @Override
    public void restore(StateReader in) {
        byte[] pending = in.bytes();
        rxHead = 0;
        rxCount = pending.length;
        System.arraycopy(pending, 0, rx, 0, pending.length);
        ier = in.i32(); lcr = in.i32(); mcr = in.i32(); scr = in.i32(); dll = in.i32(); dlm = in.i32(); fcr = in.i32();
        thrPending = in.bool();
        updateIrq();
    }
}
