// The board: QEMU virt's memory map with its harts and devices, and the machine loop's public face.
package dev.lockstep.emulator;

import dev.lockstep.emulator.cpu.GuestClock;
import dev.lockstep.emulator.cpu.Hart;
import dev.lockstep.emulator.device.Clint;
import dev.lockstep.emulator.device.Device;
import dev.lockstep.emulator.device.GoldfishRtc;
import dev.lockstep.emulator.device.Plic;
import dev.lockstep.emulator.device.SifiveTest;
import dev.lockstep.emulator.device.Uart16550;
import dev.lockstep.emulator.devicetree.VirtDeviceTree;
import dev.lockstep.emulator.elf.ElfImage;
import dev.lockstep.emulator.io.InputEvent;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import dev.lockstep.emulator.io.OutputSink;
import dev.lockstep.emulator.memory.Bus;
import dev.lockstep.emulator.state.SnapshotException;
import dev.lockstep.emulator.state.StateHash;
import dev.lockstep.emulator.state.StateReader;
import dev.lockstep.emulator.state.StateWriter;
import dev.lockstep.emulator.virtio.VirtioBlk;
import dev.lockstep.emulator.virtio.VirtioDevice;
import dev.lockstep.emulator.virtio.VirtioMmio;
import dev.lockstep.emulator.virtio.VirtioNet;
import dev.lockstep.emulator.virtio.VirtioRng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A deterministic QEMU-virt-compatible RISC-V machine. Drivers (run, record, replay, FT primary and
 * backup) use exactly this surface: {@link #run} to an instruction number, {@link #deliver} input at the
 * current boundary, an {@link OutputSink} and an {@link InputPort}, and {@link #snapshot}/{@link #restore}/
 * {@link #stateHash}. The machine itself never reads a host clock or host randomness.
 */
public final class Machine {
    public static final long MROM_BASE = 0x1000, MROM_SIZE = 0xf000;
    public static final long TEST_BASE = 0x100000, RTC_BASE = 0x101000, CLINT_BASE = 0x2000000;
    public static final long UART_BASE = 0x10000000L, RAM_BASE = 0x80000000L, PLIC_BASE = 0xc000000L;
    /** Extensions beyond the single letters of misa that the hart implements, for riscv,isa. */
    private static final String MULTI_LETTER_EXTENSIONS = "_zicsr_zifencei_zihintpause_sstc";
    /** The riscv,isa string the hart reports (it always has its FPU): what a trace header records. */
    public static final String ISA = "rv64imafdc" + MULTI_LETTER_EXTENSIONS;

    /** Why {@link #run} returned. */
    public enum Status {
        /** The requested instruction number was reached. */
        LIMIT,
        /** Every hart waits for an interrupt with nothing pending: time may be skipped to {@link #nextTimerTicks()}. */
        IDLE,
        /** The guest powered off, failed, reset or wrote tohost; see {@link #exitCode()} and {@link #haltReason()}. */
        HALTED,
        /** A watchpoint or {@link #requestStop()} stopped the run at an instruction boundary. */
        STOPPED,
        /** Every instruction traps and none retires (a trap handler that itself traps): no progress is possible. */
        STUCK,
        /** The running hart ({@link #hart()}) reached a debugger breakpoint; the instruction there has not run. */
        BREAKPOINT,
        /**
         * A debugger watchpoint was hit; {@link #watchHit()} says where. A write has retired; a read has not
         * happened yet: the machine stands before the reading instruction, which the next run executes.
         */
        WATCHPOINT
    }

    /** What a watchpoint watches: writes (gdb's watch), reads (rwatch) or both (awatch). */
    public enum WatchKind {
        WRITE, READ, ACCESS;

        public boolean writes() { return this != READ; }

        public boolean reads() { return this != WRITE; }
    }

    /**
     * An access to watched memory: the physical range, the pc of the instruction, and its number (its
     * position once it has retired). {@code read} for a read, which stopped the run before the instruction.
     */
    public record WatchHit(long pa, int size, long pc, long instret, boolean read) {}

    private record Watch(long pa, long len, WatchKind kind) {
        boolean covers(long a, int size) { return a < pa + len && a + size > pa; }
    }

    private final java.util.List<Watch> watches = new java.util.ArrayList<>();
    private WatchHit watchHit;
    /** The position of the read that stopped the last run: the next run lets it through (-1 for none). */
    private long readResume = -1;

    /** Watches writes to physical RAM [pa, pa+len) (DMA included); a hit stops the run after the writing instruction. */
    public void addWatchpoint(long pa, long len) { addWatchpoint(pa, len, WatchKind.WRITE); }

    /**
     * Watches physical RAM [pa, pa+len). A write (DMA included) stops the run after the writing instruction;
     * a read by a hart (loads, LR, an AMO's read, FP loads; not a device's DMA or the page-table walk) stops
     * it before the reading instruction, and the next run goes through that read. While any read is
     * watched, every load is checked against the watches.
     */
    public void addWatchpoint(long pa, long len, WatchKind kind) {
        watches.add(new Watch(pa, len, kind));
        if (kind.writes()) bus.setWatch(pa, len, true);
        if (kind.reads()) {
            for (Hart h : harts) h.watchReads(this::onWatchedRead);
        }
        readResume = -1;
    }

    public void clearWatchpoints() {
        boolean reads = false;
        for (Watch w : watches) {
            if (w.kind.writes()) bus.setWatch(w.pa, w.len, false);
            reads |= w.kind.reads();
        }
        watches.clear();
        if (tohost >= 0) bus.setWatch(tohost, 8, true);
        if (reads) {
            for (Hart h : harts) h.watchReads(null);
        }
        readResume = -1;
    }

    /** The watchpoint hit that stopped the last run, or null. */
    public WatchHit watchHit() { return watchHit; }

    public void setBreakpoints(java.util.Set<Long> pcs) {
        for (Hart h : harts) h.setBreakpoints(pcs);
    }

    /** Turns block translation on or off on every hart (on by default). Unobservable to the guest. */
    public void setTranslation(boolean on) {
        for (Hart h : harts) h.setTranslation(on);
    }

    /** Every hart translates a block after {@code runs} runs (see {@link Hart#translateAfter}). */
    public void translateAfter(int runs) {
        for (Hart h : harts) h.translateAfter(runs);
    }

    private final MachineConfig config;
    private final Bus bus;
    private final GuestClock clock;
    private final List<Hart> harts;
    /**
     * The hart whose turn it is (the only one with more than one hart that runs, on this thread), its
     * turn's end, and whether it sent another hart an interrupt: machine state, saved with more than one
     * hart (see {@link #run}).
     */
    private Hart hart;
    private int turn;
    private long turnEnd;
    private boolean yieldPending;
    private final Uart16550 uart;
    private final Plic plic;
    private final VirtioMmio[] virtio = new VirtioMmio[VirtioMmio.SLOTS];
    private Boot boot = Boot.NONE;
    private long kernelEntry;
    private final List<Device> devices = new ArrayList<>();
    private final StateHash hasher;
    private OutputSink output;
    private InputPort input;
    private boolean halted;
    private int exitCode;
    private String haltReason = "";
    private long tohost = -1;
    private ElfImage image;
    private final long fdtAddress;
    private Snapshot lastSnapshot;
    private int lastSnapshotEpoch;
    /** The devices' state as built, which a system reset returns them to (virtio transports reset themselves). */
    private final java.util.Map<Device, byte[]> powerOn = new java.util.IdentityHashMap<>();
    /**
     * What was loaded into RAM (firmware, kernel, initrd, ELF segments with their zeroed tails, the DTB):
     * a system reset writes it all again, as QEMU's ROM blobs are on every reset. The rest of RAM keeps
     * what the guest left there.
     */
    private final java.util.Map<Long, Loaded> loaded = new java.util.LinkedHashMap<>();
    private record Loaded(long address, byte[] data, long zeros) {}
    private boolean resetPending;
    private long resets;

    public Machine(MachineConfig config, InputPort input, OutputSink output) {
        this.config = config;
        this.input = input;
        this.output = output;
        this.bus = new Bus(RAM_BASE, config.ramSize(), MROM_BASE, (int) MROM_SIZE);
        this.clock = new GuestClock(config.instructionsPerTick());
        List<Hart> hs = new ArrayList<>();
        for (int i = 0; i < config.harts(); i++) {
            Hart h = new Hart(i, bus, clock);
            if (config.harts() > 1) h.onSpin(this::endTurn);
            hs.add(h);
        }
        this.harts = List.copyOf(hs);
        this.hart = harts.get(0);
        this.turnEnd = TURN;
        this.uart = new Uart16550((k, i, d, o, l) -> this.output.output(k, i, d, o, l), this::instretNow);
        add(TEST_BASE, new SifiveTest(this::halt, this::requestReset));
        add(RTC_BASE, new GoldfishRtc(n -> this.input.wallClockNanos(n), this::instretNow));
        add(CLINT_BASE, new Clint(harts, clock, this::instretNow, this::interprocessorInterrupt));
        add(UART_BASE, uart);
        this.plic = new Plic(harts, this::externalInterrupt);
        add(PLIC_BASE, plic);
        uart.connect(plic.line(VirtDeviceTree.UART_IRQ));
        for (int i = 0; i < VirtioMmio.SLOTS; i++) {
            virtio[i] = new VirtioMmio(i, config.virtioLegacy(), bus,
                    (k, d, o, l) -> this.output.output(k, instretNow(), d, o, l));
            add(VirtioMmio.BASE + VirtioMmio.STRIDE * i, virtio[i]);
            virtio[i].connect(plic.line(VirtDeviceTree.VIRTIO_IRQ + i));
        }
        bus.setWatchListener(this::onWatchedWrite);
        long ramEnd = RAM_BASE + config.ramSize();
        this.fdtAddress = (Math.min(ramEnd, 0xC0000000L) - 0x10000) & ~((2L << 20) - 1);
        this.hasher = new StateHash(bus);
        writeDeviceTree();
        writeResetVector(RAM_BASE, 0);
        for (Device d : devices) {
            if (d instanceof VirtioMmio) continue; // resets itself, with whatever device is plugged in later
            StateWriter w = new StateWriter();
            d.save(w);
            powerOn.put(d, w.toByteArray());
        }
    }

    /**
     * Plugs a virtio device into the next free virtio-mmio slot, from the last down, the order in which
     * QEMU virt fills them (its first {@code -device virtio-*-device} lands at 0x10008000). Call before
     * booting.
     */
    public VirtioMmio attach(VirtioDevice d) {
        for (int i = VirtioMmio.SLOTS - 1; i >= 0; i--) {
            if (virtio[i].device() == null) {
                virtio[i].plug(d);
                return virtio[i];
            }
        }
        throw new LockstepException("all " + VirtioMmio.SLOTS + " virtio-mmio slots are taken");
    }

    public VirtioMmio virtioSlot(int i) { return virtio[i]; }
    public Plic plic() { return plic; }

    /** The plugged device of that type (the first, from slot 0 up), or null. */
    public <T extends VirtioDevice> T virtioDevice(Class<T> type) {
        for (VirtioMmio v : virtio) if (type.isInstance(v.device())) return type.cast(v.device());
        return null;
    }

    /** The riscv,isa string of the harts as they are configured (F and D appear once an FPU is attached). */
    public String isa() { return VirtDeviceTree.isaString(harts.get(0).readCsr(0x301), MULTI_LETTER_EXTENSIONS); }

    /** The DTB the guest finds at {@link #fdtAddress()}, generated from the machine's devices. */
    public byte[] deviceTree() {
        long initrdStart = 0, initrdEnd = 0;
        if (boot.initrd() != null) {
            initrdStart = initrdAddress();
            initrdEnd = initrdStart + boot.initrd().data().length;
        }
        byte[] seed = rngSeed();
        var chosen = new VirtDeviceTree.Chosen(boot.append(), initrdStart, initrdEnd, seed);
        List<VirtDeviceTree.Mapped> mapped = bus.devices().stream().map(d -> new VirtDeviceTree.Mapped(bus.baseOf(d), d)).toList();
        return VirtDeviceTree.build(isa(), harts.size(), RAM_BASE, config.ramSize(), mapped, chosen);
    }

    /**
     * QEMU puts 32 random bytes in /chosen/rng-seed. Here they must be a function of the configuration
     * (DESIGN §1), so they are a hash of it: the same for every run of the same machine.
     */
    private byte[] rngSeed() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("lockstep rng-seed " + seedConfig()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The configuration as it seeded the RNG before {@link MachineConfig#exitOnReboot} existed, so seeds stay as recorded. */
    private java.util.Map<String, String> seedConfig() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>(config.toMap());
        m.remove(MachineConfig.REBOOT_KEY);
        return m;
    }

    private void writeDeviceTree() {
        byte[] dtb = deviceTree();
        if (!bus.isRam(fdtAddress, dtb.length)) throw new LockstepException("the device tree does not fit in RAM");
        writeLoaded(new Loaded(fdtAddress, dtb, 0));
    }

    private void add(long base, Device d) {
        devices.add(d);
        bus.map(base, d);
    }

    public MachineConfig config() { return config; }
    /** The hart whose turn it is: the one that runs next, or ran last (the only one, on most machines). */
    public Hart hart() { return hart; }
    /** Every hart, by hart id. */
    public List<Hart> harts() { return harts; }
    public Bus bus() { return bus; }
    public GuestClock clock() { return clock; }
    public Optional<ElfImage> image() { return Optional.ofNullable(image); }

    public void setOutput(OutputSink sink) { this.output = sink; }
    public void setInput(InputPort port) { this.input = port; }
    public OutputSink output() { return output; }
    public InputPort input() { return input; }

    /**
     * QEMU virt's reset vector at 0x1000: a0 = hart id, a1 = DTB address, a2 = fw_dynamic info, then a
     * jump to {@code start}. Same words as QEMU 7.2, so instruction counts from reset match.
     */
    private void writeResetVector(long start, long nextAddr) {
        int[] words = {0x00000297, 0x02828613, 0xf1402573, 0x0202b583, 0x0182b283, 0x00028067};
        byte[] rom = new byte[0x58];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(rom).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int w : words) b.putInt(w);
        b.putLong(start);
        b.putLong(fdtAddress);
        b.putLong(0x4942534fL).putLong(2).putLong(nextAddr).putLong(1).putLong(0).putLong(0); // fw_dynamic_info
        bus.writeBytes(MROM_BASE, rom, 0, rom.length);
        for (Hart h : harts) h.setPc(MROM_BASE); // each finds its hart id in mhartid, as QEMU's harts do
    }

    /** Loads an ELF image (QEMU's -kernel with -bios none): segments at their physical addresses. */
    public void load(ElfImage elf) {
        load(elf, true);
    }

    private void load(ElfImage elf, boolean start) {
        for (ElfImage.Segment s : elf.segments()) {
            if (s.memSize() == 0) continue;
            if (!bus.isRam(s.paddr(), (int) Math.min(s.memSize(), Integer.MAX_VALUE)) || s.memSize() > config.ramSize()) {
                throw new LockstepException(String.format("%s: segment at 0x%x..0x%x lies outside RAM (0x%x..0x%x)",
                        elf.name(), s.paddr(), s.paddr() + s.memSize(), RAM_BASE, RAM_BASE + config.ramSize()));
            }
            writeLoaded(new Loaded(s.paddr(), s.data(), s.memSize() - s.data().length));
        }
        image = elf;
        elf.symbol("tohost").ifPresent(sym -> {
            tohost = sym.value();
            bus.setWatch(tohost, 8, true);
        });
        if (start) writeResetVector(RAM_BASE, elf.entry());
    }

    /**
     * Loads firmware, kernel and initrd as QEMU 7.2's virt board does, writes the DTB (with bootargs and
     * the initrd's place) and points the reset vector at the firmware, with fw_dynamic's next address
     * set to the kernel entry. Without firmware it boots the kernel in M-mode, as {@code -bios none}.
     */
    public void boot(Boot b) {
        this.boot = b;
        long start = RAM_BASE, kernelEntry = 0, end = RAM_BASE;
        if (b.bios() != null) {
            long[] r = loadImage("firmware", b.bios(), RAM_BASE);
            start = r[0];
            end = r[1];
        }
        if (b.kernel() != null) {
            long at = b.bios() == null ? RAM_BASE : (end + (2L << 20) - 1) & ~((2L << 20) - 1);
            long[] r = loadImage("kernel", b.kernel(), at);
            kernelEntry = r[0];
        }
        this.kernelEntry = kernelEntry;
        if (b.initrd() != null) {
            if (b.kernel() == null) throw new LockstepException("an initrd needs a kernel (--kernel), as under QEMU");
            long at = initrdAddress();
            byte[] d = b.initrd().data();
            if (!bus.isRam(at, d.length) || at + d.length > fdtAddress) {
                throw new LockstepException(String.format("initrd %s (%d bytes) does not fit in RAM at 0x%x below the DTB at 0x%x",
                        b.initrd().name(), d.length, at, fdtAddress));
            }
            writeLoaded(new Loaded(at, d, 0));
        }
        writeDeviceTree();
        writeResetVector(start, kernelEntry);
    }

    /** QEMU: the kernel entry plus half of RAM, at most 128 MiB. */
    private long initrdAddress() { return kernelEntry + Math.min(config.ramSize() / 2, 128L << 20); }

    /** Loads a flat image at {@code at} or an ELF at its addresses; returns {entry, end}. */
    private long[] loadImage(String what, Boot.Image img, long at) {
        byte[] d = img.data();
        if (ElfImage.looksLikeElf(d)) {
            ElfImage elf = ElfImage.parse(img.name(), d);
            load(elf, false);
            long end = 0;
            for (ElfImage.Segment s : elf.segments()) end = Math.max(end, s.paddr() + s.memSize());
            return new long[] {elf.entry(), end};
        }
        if (!bus.isRam(at, d.length)) {
            throw new LockstepException(String.format("%s %s (%d bytes) does not fit in RAM at 0x%x (RAM is 0x%x..0x%x)",
                    what, img.name(), d.length, at, RAM_BASE, RAM_BASE + config.ramSize()));
        }
        writeLoaded(new Loaded(at, d, 0));
        return new long[] {at, at + d.length};
    }

    /** Loads raw bytes into RAM (flat firmware images). */
    public void loadFlat(long address, byte[] data) {
        if (!bus.isRam(address, data.length)) {
            throw new LockstepException(String.format("image of %d bytes at 0x%x does not fit in RAM", data.length, address));
        }
        writeLoaded(new Loaded(address, data.clone(), 0));
    }

    /** A hart's data read while reads are watched: a hit stops the run before the reading instruction. */
    private boolean onWatchedRead(long pa, int size) {
        long at = hart.instretNow();
        if (at == readResume) return false; // the read that stopped the last run: this run goes through it
        for (Watch w : watches) {
            if (w.kind.reads() && w.covers(pa, size)) {
                watchHit = new WatchHit(pa, size, hart.pcNow(), at + 1, true);
                readResume = at;
                hart.requestStop();
                return true;
            }
        }
        return false;
    }

    /** Writes an image into RAM and remembers it for resets (a later image at the same address replaces it). */
    private void writeLoaded(Loaded l) {
        loaded.remove(l.address); // to the end: a reset writes the images again in the order they were last written
        loaded.put(l.address, l);
        bus.writeBytes(l.address, l.data, 0, l.data.length);
        if (l.zeros > 0) bus.writeBytes(l.address + l.data.length, new byte[(int) l.zeros], 0, (int) l.zeros);
    }

    private boolean onWatchedWrite(long pa, int size) {
        for (Watch w : watches) {
            if (w.kind.writes() && w.covers(pa, size)) {
                watchHit = new WatchHit(pa, size, hart.pcNow(), hart.instretNow() + 1, false);
                hart.requestStop();
                return true;
            }
        }
        if (tohost >= 0 && pa < tohost + 8 && pa + size > tohost) {
            long v = bus.read(tohost, 8);
            if ((v & 1) != 0) {
                halt((int) (v >>> 1), "tohost");
                return true;
            }
            if ((v >>> 48) == 0x0101) { // HTIF device 1 (console), command 1 (putchar)
                byte[] c = {(byte) v};
                output.output(OutputKind.CONSOLE, hart.instretNow(), c, 0, 1);
                bus.write(tohost, 8, 0);
            }
        }
        return false;
    }

    /** The guest asked for a system reset (sifive_test 0x7777): done at the end of the instruction, unless configured to exit. */
    private void requestReset() {
        if (config.exitOnReboot()) {
            halt(0, "reset");
            return;
        }
        resetPending = true;
        hart.requestStop();
    }

    /**
     * A system reset, as QEMU virt's: the hart and every device back to power-on, the loaded images and
     * the DTB written again, and the hart at the reset vector in M-mode. RAM outside the images keeps its
     * contents; the instruction number and mtime go on (the log's order depends on the first).
     */
    private void reset() {
        for (Hart h : harts) h.reset(MROM_BASE);
        firstTurn(hart.instret());
        for (Device d : devices) {
            byte[] state = powerOn.get(d);
            if (state != null) d.restore(new StateReader(state));
            else d.reset();
        }
        for (Loaded l : new ArrayList<>(loaded.values())) writeLoaded(l);
        for (Hart h : harts) {
            h.invalidateBlocks();
            h.updateTimers();
        }
        resets++;
    }

    /** How many times the guest has reset the machine (not part of its state: a run-time statistic). */
    public long resets() { return resets; }

    void halt(int code, String reason) {
        if (halted) return;
        halted = true;
        exitCode = code;
        haltReason = reason;
        hart.requestStop();
    }

    /**
     * Runs until instruction number {@code target}, a halt, every hart idle, or a stop request.
     *
     * <p>With more than one hart, the harts take turns, as under QEMU's round-robin TCG, and share the
     * instruction number (DESIGN §1): a turn lasts {@link #TURN} instructions, and ends early when its
     * hart executes WFI (whether it waits or, an interrupt being pending, polls), sends another an
     * interrupt through the CLINT, or executes PAUSE (the spin-wait hint of Linux's cpu_relax: what a
     * spinning hart waits for is another's to do); the next turn goes to the next
     * hart, by id, that would execute. Where turns change is decided when the next instruction is about to
     * run, from the machine's state alone (the turn is saved with it), so it does not depend on where a
     * driver's run calls end or on the input delivered at that boundary before them: a replay, a restored
     * snapshot and the recording interleave the harts alike.
     */
    public Status run(long target) {
        if (halted) return Status.HALTED;
        watchHit = null;
        stopAsked = false;
        if (harts.size() == 1) return status(runTurn(target));
        Status st = runHarts(target);
        long now = hart.instret();
        for (Hart h : harts) h.catchUp(now); // between runs every hart is at the machine's number, for snapshots and debuggers
        return st;
    }

    private Status runHarts(long target) {
        while (true) {
            // At the target first, as one hart's run: a machine that reaches it is not idle yet (an entry may be due there).
            if (hart.instret() >= target) return Status.LIMIT;
            if (hart.instret() >= turnEnd || yieldPending || !hart.runnable()) {
                if (!nextTurn()) return Status.IDLE;
            }
            Hart.Stop s = runTurn(Math.min(target, turnEnd));
            if (halted) return Status.HALTED;
            if (watchHit != null) return Status.WATCHPOINT;
            switch (s) {
                case LIMIT, IDLE, YIELD -> {
                    if (stopAsked) return Status.STOPPED;
                }
                default -> { return status(s); }
            }
        }
    }

    /** Runs the hart whose turn it is to {@code target}, resetting the machine if it asks to (and going on). */
    private Hart.Stop runTurn(long target) {
        Hart.Stop s = hart.run(target);
        while (resetPending) { // the reset's stop request ended the run: reset, then go on to the target
            resetPending = false;
            reset();
            if (s != Hart.Stop.REQUESTED || watchHit != null || stopAsked) break;
            if (hart.instret() >= target) {
                s = Hart.Stop.LIMIT;
                break;
            }
            s = hart.run(target);
        }
        return s;
    }

    private Status status(Hart.Stop s) {
        if (halted) return Status.HALTED;
        if (watchHit != null) return Status.WATCHPOINT;
        return switch (s) {
            case LIMIT, YIELD -> Status.LIMIT;
            case IDLE -> Status.IDLE;
            case REQUESTED -> Status.STOPPED;
            case STUCK -> Status.STUCK;
            case BREAKPOINT -> Status.BREAKPOINT;
        };
    }

    /** Instructions in a hart's turn, with more than one hart: part of such a machine's definition, as its interleaving. */
    public static final long TURN = 10_000;

    /**
     * Gives the next turn to the first hart after the current one (by id, round the ring, the current one
     * last) that would execute; false, with the turn unchanged, if every hart waits.
     */
    private boolean nextTurn() {
        long now = hart.instret();
        for (int i = 1; i <= harts.size(); i++) {
            int k = (turn + i) % harts.size();
            Hart h = harts.get(k);
            h.catchUp(now);
            if (!h.runnable()) continue;
            if (h != hart) {
                hart.suspend();
                hart = h;
                turn = k;
            }
            turnEnd = now + TURN;
            yieldPending = false;
            return true;
        }
        return false;
    }

    /** After a reset: every hart at instruction number {@code now}, hart 0's turn beginning (a restore reads the turn instead). */
    private void firstTurn(long now) {
        for (Hart h : harts) h.catchUp(now);
        hart = harts.get(0);
        turn = 0;
        turnEnd = now + TURN;
        yieldPending = false;
    }

    /** The CLINT raised hart {@code k}'s msip: if another hart's, the sender's turn ends after this instruction. */
    private void interprocessorInterrupt(int k) {
        if (harts.size() == 1 || harts.get(k) == hart) return;
        endTurn();
    }

    /**
     * The PLIC raised an external interrupt for hart {@code k}. If {@code k} waits in WFI for it while
     * another hart has the turn, that turn ends (after this instruction, or before the next run when a
     * device raised it between runs), so {@code k} takes the interrupt now instead of up to a turn later.
     * Devices raise lines at entries' instruction numbers or on the guest's own accesses, and the yield is
     * saved with the turn, so replays interleave alike.
     */
    private void externalInterrupt(int k) {
        if (harts.size() == 1) return;
        Hart h = harts.get(k);
        if (h != hart && h.woken()) endTurn();
    }

    /**
     * The running hart's turn ends after this instruction: it sent another hart an interrupt, or it spins
     * (PAUSE, or a WFI that does not wait) on something another hart must do.
     */
    private void endTurn() {
        yieldPending = true;
        hart.requestYield();
    }

    /** The machine's instruction number, exact also while a block runs: the running hart's. */
    private long instretNow() { return hart.instretNow(); }

    /** A stop asked for from any thread; {@link #run} looks for it between turns too. */
    private volatile boolean stopAsked;

    public void requestStop() {
        stopAsked = true;
        hart.requestStop();
    }

    /** Delivers an input event at the current instruction boundary. */
    public void deliver(InputEvent e) {
        if (e instanceof InputEvent.ConsoleInput c) uart.receive(c.bytes());
        else if (e instanceof InputEvent.Clock c) setTime(c.ticks());
        else if (e instanceof InputEvent.DiskDone d) withDevice(VirtioBlk.class, e).complete(d);
        else if (e instanceof InputEvent.NetRx n) withDevice(VirtioNet.class, e).receive(n);
        else if (e instanceof InputEvent.Rng r) withDevice(VirtioRng.class, e).fill(r);
        else throw new IllegalArgumentException("unknown input event " + e);
    }

    private <T extends VirtioDevice> T withDevice(Class<T> type, InputEvent e) {
        T d = virtioDevice(type);
        if (d == null) throw new LockstepException(e + " was delivered to a machine without that virtio device");
        return d;
    }

    /** Moves guest time to {@code ticks} now (an idle skip or a logged CLOCK entry). */
    public void setTime(long ticks) {
        clock.set(hart.instret(), ticks);
        for (Hart h : harts) h.updateTimers();
    }

    public long instret() { return hart.instret(); }
    /** Blocks dispatched by the hart's run loop so far (not part of the machine's state). */
    public long dispatches() {
        long n = 0;
        for (Hart h : harts) n += h.dispatches();
        return n;
    }
    public long time() { return clock.ticks(hart.instret()); }
    public boolean halted() { return halted; }
    public int exitCode() { return exitCode; }
    public String haltReason() { return haltReason; }
    public long fdtAddress() { return fdtAddress; }
    public int pendingConsoleInput() { return uart.pendingInput(); }

    /** The mtime value at which the next timer interrupt can become pending (on any hart), or -1 (unsigned max) if none is armed. */
    public long nextTimerTicks() {
        long next = -1;
        for (Hart h : harts) {
            long t = h.mtimecmp();
            long s = h.readCsr(0x30a) < 0 ? h.readCsr(0x14d) : -1;
            long first = Long.compareUnsigned(t, s) <= 0 ? t : s;
            if (Long.compareUnsigned(first, next) < 0) next = first;
        }
        return next;
    }

    // ------------------------------------------------------------------ snapshots

    /**
     * A complete machine state. RAM pages unchanged since the previous snapshot are shared with it, so
     * dense in-memory checkpoints cost only what the guest wrote in between.
     */
    public record Snapshot(long instret, byte[] core, byte[][] pages) {
        public byte[] page(int i) { return pages[i]; }

        /** Whether page {@code i} is all zero (most are: found without reading them when the snapshot shares its zero page). */
        public boolean zeroPage(int i) { return pages[i] == ZERO_PAGE || Arrays.equals(pages[i], ZERO_PAGE); }

        /** {@code n} pages, each the shared zero page (never to be written into): a decoder fills in the others. */
        public static byte[][] zeroPages(int n) {
            byte[][] pages = new byte[n][];
            Arrays.fill(pages, ZERO_PAGE);
            return pages;
        }
    }

    private static final byte[] ZERO_PAGE = new byte[Bus.PAGE_SIZE];

    /** Starts a new dirty-page epoch (see {@link Bus#syncDirty}) that every hart follows. */
    private int syncDirty() {
        int since = harts.get(0).syncDirty();
        for (int i = 1; i < harts.size(); i++) harts.get(i).followEpoch();
        return since;
    }

    public Snapshot snapshot() {
        int since = syncDirty();
        byte[][] pages = new byte[bus.pageCount()][];
        Snapshot prev = lastSnapshot;
        for (int p = 0; p < pages.length; p++) {
            if (prev != null && !bus.dirtySince(p, lastSnapshotEpoch) && prev.pages.length == pages.length) {
                pages[p] = prev.pages[p];
            } else if (bus.isZeroPage(p)) {
                pages[p] = ZERO_PAGE; // most of a guest's RAM, the first time: no copy, no garbage
            } else {
                byte[] copy = new byte[Bus.PAGE_SIZE];
                bus.copyPage(p, copy);
                pages[p] = copy;
            }
        }
        Snapshot s = new Snapshot(hart.instret(), coreState(), pages);
        lastSnapshot = s;
        lastSnapshotEpoch = since;
        return s;
    }

    /** Names the optional section of the core state that holds the harts' debug triggers. */
    private static final String TRIGGER_SECTION = "sdtrig";

    /** CPU, clock, device and machine-status state: everything but RAM. */
    public byte[] coreState() {
        StateWriter w = new StateWriter();
        w.str("lockstep-core-1").i64(config.ramSize());
        harts.get(0).save(w);
        if (harts.size() > 1) { // a one-hart machine's state is as it was before harts could be more
            for (int i = 1; i < harts.size(); i++) harts.get(i).save(w);
            w.i32(turn).i64(turnEnd).bool(yieldPending);
        }
        clock.save(w);
        for (Device d : devices) {
            w.str(d.name());
            d.save(w);
        }
        w.bool(halted).i32(exitCode).str(haltReason).i64(tohost);
        w.bytes(bus.rom());
        if (!triggersAtReset()) {
            // Only a guest that programmed its debug triggers has this section: any other state is as it was
            // before triggers existed, byte for byte, so recorded STATE_HASH entries stay valid.
            w.str(TRIGGER_SECTION);
            for (Hart h : harts) h.saveTriggers(w);
        }
        return w.toByteArray();
    }

    private boolean triggersAtReset() {
        for (Hart h : harts) {
            if (!h.triggersAtReset()) return false;
        }
        return true;
    }

    public void restore(Snapshot s) {
        if (s.pages.length != bus.pageCount()) {
            throw new SnapshotException("snapshot is of a machine with " + ((long) s.pages.length << Bus.PAGE_SHIFT)
                    + " bytes of RAM; this one has " + config.ramSize());
        }
        readResume = -1; // a read at the same position after this is another visit: it stops again
        restoreCore(s.core);
        // A page still holding exactly what the last snapshot shares with this one need not be copied.
        Snapshot known = lastSnapshot;
        boolean comparable = known != null && known.pages.length == s.pages.length;
        for (int p = 0; p < s.pages.length; p++) {
            if (comparable && known.pages[p] == s.pages[p] && !bus.dirtySince(p, lastSnapshotEpoch)) continue;
            bus.restorePage(p, s.pages[p]);
        }
        for (Hart h : harts) h.invalidateBlocks();
        hasher.invalidate();
        lastSnapshot = s;
        lastSnapshotEpoch = syncDirty();
    }

    private void restoreCore(byte[] core) {
        StateReader r = new StateReader(core);
        if (!"lockstep-core-1".equals(r.str())) throw new SnapshotException("snapshot is not a lockstep machine state");
        long ram = r.i64();
        if (ram != config.ramSize()) throw new SnapshotException("snapshot RAM size " + ram + " differs from " + config.ramSize());
        harts.get(0).restore(r);
        if (harts.size() > 1) {
            for (int i = 1; i < harts.size(); i++) harts.get(i).restore(r);
            turn = r.i32();
            if (turn < 0 || turn >= harts.size()) throw new SnapshotException("snapshot gives the turn to hart " + turn);
            hart = harts.get(turn);
            turnEnd = r.i64();
            yieldPending = r.bool();
        }
        clock.restore(r);
        for (Device d : devices) {
            String name = r.str();
            if (!name.equals(d.name())) throw new SnapshotException("snapshot has device " + name + " where " + d.name() + " was expected");
            d.restore(r);
        }
        halted = r.bool();
        exitCode = r.i32();
        haltReason = r.str();
        long th = r.i64();
        if (tohost >= 0) bus.setWatch(tohost, 8, false);
        tohost = th;
        if (tohost >= 0) bus.setWatch(tohost, 8, true);
        byte[] rom = r.bytes();
        bus.writeBytes(MROM_BASE, rom, 0, rom.length);
        if (!r.atEnd()) { // without it, every hart's triggers are at reset (Hart.restore put them there)
            String section = r.str();
            if (!TRIGGER_SECTION.equals(section)) throw new SnapshotException("snapshot has unknown section " + section);
            for (Hart h : harts) h.restoreTriggers(r);
            if (!r.atEnd()) throw new SnapshotException("snapshot has bytes after its trigger section");
        }
        for (Hart h : harts) h.updateTimers();
    }

    /** Each device's saved state by name, in board order: what a debugger's state diff compares. */
    public java.util.Map<String, byte[]> deviceStates() {
        java.util.Map<String, byte[]> states = new java.util.LinkedHashMap<>();
        for (Device d : devices) {
            StateWriter w = new StateWriter();
            d.save(w);
            states.put(d.name(), w.toByteArray());
        }
        return states;
    }

    /** Hash of the whole machine state; equal states hash equal, and so do only those (with overwhelming odds). */
    public long stateHash() {
        byte[] core = coreState();
        return hasher.hash(core, syncDirty());
    }
}
