// Test data: jqwik generators for log entries and ordered entry sequences, and a fixed deterministic entry stream.
package dev.lockstep.traceformat;

import dev.lockstep.traceformat.LogEntry.Checkpoint;
import dev.lockstep.traceformat.LogEntry.Clock;
import dev.lockstep.traceformat.LogEntry.ConsoleIn;
import dev.lockstep.traceformat.LogEntry.DiskDone;
import dev.lockstep.traceformat.LogEntry.End;
import dev.lockstep.traceformat.LogEntry.Heartbeat;
import dev.lockstep.traceformat.LogEntry.Irq;
import dev.lockstep.traceformat.LogEntry.NetRx;
import dev.lockstep.traceformat.LogEntry.Output;
import dev.lockstep.traceformat.LogEntry.Rng;
import dev.lockstep.traceformat.LogEntry.StateHash;
import dev.lockstep.traceformat.LogEntry.Wall;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

final class Entries {
    private Entries() {}

    /** Payloads of every kind the codec treats differently: empty, small, large compressible, large random. */
    static Arbitrary<byte[]> payloads() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
                net.jqwik.api.Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMinSize(65).ofMaxSize(600)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8),
                        Arbitraries.integers().between(65, 5000)).as(Entries::repeat)));
    }

    /** Any entry but END, at instret 0; {@link #at} moves it. */
    static Arbitrary<LogEntry> entries() {
        Arbitrary<Long> anyLong = Arbitraries.longs();
        return Arbitraries.oneOf(
                payloads().map(b -> new ConsoleIn(0, b)),
                payloads().map(b -> new NetRx(0, b)),
                Combinators.combine(anyLong, Arbitraries.integers(), payloads()).as((id, st, b) -> new DiskDone(0, id, st, b)),
                payloads().map(b -> new Rng(0, b)),
                anyLong.map(v -> new Clock(0, v)),
                anyLong.map(v -> new Wall(0, v)),
                Combinators.combine(Arbitraries.integers().greaterOrEqual(0), Arbitraries.of(true, false))
                        .as((line, level) -> new Irq(0, line, level)),
                Combinators.combine(Arbitraries.of(OutputKind.class), anyLong, payloads())
                        .as((k, h, b) -> new Output(0, k, h, b.length, b)),
                Combinators.combine(Arbitraries.of(OutputKind.class), anyLong, Arbitraries.integers().greaterOrEqual(0))
                        .as((k, h, len) -> new Output(0, k, h, len, null)),
                anyLong.map(h -> new StateHash(0, h)),
                Arbitraries.longs().greaterOrEqual(0).map(id -> new Checkpoint(0, id)),
                Arbitraries.just(new Heartbeat(0)));
    }

    static Arbitrary<End> ends() {
        return Combinators.combine(Arbitraries.of(EndReason.class), Arbitraries.integers()).as((r, c) -> new End(0, r, c));
    }

    /** Entries in non-decreasing instret order: many share an instret, some jump far. */
    static Arbitrary<List<LogEntry>> sequences(int maxSize) {
        Arbitrary<Long> deltas = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(6, Arbitraries.longs().between(1, 5000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(1, 1L << 40)));
        return Combinators.combine(
                        Arbitraries.longs().between(0, 1L << 50),
                        Combinators.combine(deltas, entries()).as(Step::new).list().ofMaxSize(maxSize),
                        ends().injectNull(0.5))
                .as((start, steps, end) -> {
                    List<LogEntry> out = new ArrayList<>();
                    long at = start;
                    for (Step s : steps) {
                        at += s.delta;
                        out.add(at(s.entry, at));
                    }
                    if (end != null) {
                        out.add(at(end, at));
                    }
                    return out;
                });
    }

    private record Step(long delta, LogEntry entry) {}

    /** The same entry at another instret. */
    static LogEntry at(LogEntry e, long at) {
        switch (e.type()) {
            case CONSOLE_IN: return new ConsoleIn(at, ((ConsoleIn) e).bytes());
            case NET_RX: return new NetRx(at, ((NetRx) e).frame());
            case DISK_DONE: { DiskDone d = (DiskDone) e; return new DiskDone(at, d.requestId(), d.status(), d.data()); }
            case RNG: return new Rng(at, ((Rng) e).bytes());
            case CLOCK: return new Clock(at, ((Clock) e).newTimeBase());
            case WALL: return new Wall(at, ((Wall) e).value());
            case IRQ: { Irq i = (Irq) e; return new Irq(at, i.line(), i.level()); }
            case OUTPUT: { Output o = (Output) e; return new Output(at, o.kind(), o.hash(), o.length(), o.bytes()); }
            case STATE_HASH: return new StateHash(at, ((StateHash) e).hash());
            case CHECKPOINT: return new Checkpoint(at, ((Checkpoint) e).checkpointId());
            case HEARTBEAT: return new Heartbeat(at);
            case END: { End x = (End) e; return new End(at, x.reason(), x.exitCode()); }
            default: throw new AssertionError(e.type());
        }
    }

    /**
     * Entry number {@code i} of an endless deterministic stream, a pure function of {@code i}, so a
     * reader in another process can check every entry it finds. Cycles through every type but END.
     */
    static LogEntry numbered(long i) {
        long at = i * 3 + (i % 7 == 0 ? 0 : 1);
        byte[] small = ("entry " + i).getBytes(StandardCharsets.US_ASCII);
        switch ((int) (i % 11)) {
            case 0: return new ConsoleIn(at, small);
            case 1: return new NetRx(at, repeat(small, 200 + (int) (i % 300)));
            case 2: return new DiskDone(at, i, (int) (i % 3), repeat(small, (int) (i % 5) * 100));
            case 3: return new Rng(at, small);
            case 4: return new Clock(at, i * 1000);
            case 5: return new Wall(at, 1_700_000_000_000_000_000L + i);
            case 6: return new Irq(at, (int) (i % 12), i % 2 == 0);
            case 7: return new Output(at, OutputKind.CONSOLE, i * 0x9E3779B97F4A7C15L, small.length, small);
            case 8: return new StateHash(at, i * 0xC2B2AE3D27D4EB4FL);
            case 9: return new Checkpoint(at, i);
            default: return new Heartbeat(at);
        }
    }

    static byte[] repeat(byte[] unit, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = unit[i % unit.length];
        }
        return b;
    }
}
