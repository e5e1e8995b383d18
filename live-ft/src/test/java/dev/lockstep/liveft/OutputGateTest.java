// The output rule in isolation: held until acked, released in order, released at once when alone, never after defeat.
package dev.lockstep.liveft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.io.OutputKind;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class OutputGateTest {
    private final ByteArrayOutputStream released = new ByteArrayOutputStream();
    private long seq;
    private final OutputGate gate = new OutputGate(new OutputGate.ServiceSink() {
        @Override
        public void output(OutputKind kind, long instret, byte[] data, int off, int len) { released.write(data, off, len); }

        @Override
        public void flush() {}
    }, () -> seq);

    private OutputGate.Io io(char c) {
        return () -> {
            released.write(c);
            return null;
        };
    }

    private void emit(String s) {
        byte[] b = s.getBytes();
        gate.output(OutputKind.CONSOLE, 0, b, 0, b.length);
    }

    // The Recorder logs an output's OUTPUT entry right after the output reaches the gate: entry seq + 1.

    @Test
    void outputWaitsUntilTheBackupHasAckedItsOwnOutputEntry() {
        seq = 3;
        emit("a");
        seq = 5;
        emit("b");
        gate.acked(3);
        assertThat(released.toString()).isEmpty();
        gate.acked(4);
        assertThat(released.toString()).isEqualTo("a");
        gate.acked(5);
        assertThat(released.toString()).isEqualTo("a");
        gate.acked(6);
        assertThat(released.toString()).isEqualTo("ab");
    }

    @Test
    void acksOfTheEntriesBeforeAnOutputDoNotReleaseIt() {
        seq = 2;
        gate.acked(2);
        emit("x");
        assertThat(released.toString()).isEmpty();
        gate.acked(3);
        assertThat(released.toString()).isEqualTo("x");
    }

    @Test
    void aDiskWriteWaitsForTheAckOfTheLogUpToIt() {
        seq = 4; // its OUTPUT entry is logged before the write reaches the gate
        gate.hold(io('w'));
        gate.acked(3);
        assertThat(released.toString()).isEmpty();
        gate.acked(4);
        assertThat(released.toString()).isEqualTo("w");
    }

    @Test
    void aReadOrFlushGoesAtOnceWhenNoWriteIsHeld() {
        seq = 7;
        emit("frame");
        gate.ordered(io('r'));
        assertThat(released.toString()).isEqualTo("r");
        gate.acked(8);
        assertThat(released.toString()).isEqualTo("rframe");
    }

    @Test
    void aReadOrFlushWaitsBehindAHeldWriteAndFollowsItInOrder() {
        seq = 4;
        gate.hold(io('w'));
        seq = 6;
        gate.ordered(io('f'));
        assertThat(released.toString()).isEmpty();
        gate.acked(4);
        assertThat(released.toString()).isEqualTo("wf");
        gate.ordered(io('r'));
        assertThat(released.toString()).isEqualTo("wfr");
    }

    @Test
    void aDiskWritesOwnOutputIsNotPassedOn() {
        seq = 1;
        gate.solo(true);
        byte[] b = "sector".getBytes();
        gate.output(OutputKind.DISK, 0, b, 0, b.length);
        assertThat(released.toString()).isEmpty();
    }

    @Test
    void aPrimaryThatWonTheArbiterReleasesEverything() {
        seq = 9;
        emit("held");
        gate.solo(true);
        emit("+");
        assertThat(released.toString()).isEqualTo("held+");
    }

    @Test
    void aDefeatedPrimaryReleasesNothingEver() {
        seq = 9;
        emit("held");
        gate.discard();
        gate.acked(100);
        emit("more");
        assertThat(released.toString()).isEmpty();
    }

    @Test
    void outputAfterAFlushLeavesOnlyOnceTheFlushIsDone() {
        java.util.concurrent.CompletableFuture<Void> durable = new java.util.concurrent.CompletableFuture<>();
        seq = 4;
        gate.hold(io('w'));
        gate.ordered(() -> {
            released.write('f');
            return durable;
        });
        emit("reply");
        gate.acked(5);
        assertThat(released.toString()).isEqualTo("wf");
        durable.complete(null);
        assertThat(released.toString()).isEqualTo("wfreply");
        emit("!");
        gate.acked(6);
        assertThat(released.toString()).isEqualTo("wfreply!");
    }

    @Test
    void aFailedFlushLetsNothingAfterItLeave() {
        java.util.concurrent.CompletableFuture<Void> durable = new java.util.concurrent.CompletableFuture<>();
        seq = 4;
        gate.ordered(() -> durable);
        emit("reply");
        gate.acked(5);
        durable.completeExceptionally(new java.io.IOException("EIO"));
        gate.solo(true);
        emit("later");
        assertThat(released.toString()).isEmpty();
    }

    @Test
    @org.junit.jupiter.api.Timeout(30) // an I/O run under the gate's lock would block the loop here for good
    void theReleasingThreadDoesTheDiskIoWithoutHoldingUpTheLoop() throws Exception {
        java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
        StringBuffer order = new StringBuffer();
        Thread[] ranOn = new Thread[1];
        seq = 4;
        gate.hold(OutputGate.Io.of(() -> {
            throw new AssertionError("a released write is done by the releasing thread, which may block");
        }, () -> {
            ranOn[0] = Thread.currentThread();
            writing.countDown();
            try {
                finish.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            order.append('w');
            return null;
        }));
        Thread acks = new Thread(() -> gate.acked(4), "acks");
        acks.start();
        assertThat(writing.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        // While the write runs, the loop issues a read and puts output in the gate: neither waits for the write,
        // and the read does not overtake it.
        gate.ordered(() -> {
            order.append('r');
            return null;
        });
        seq = 6;
        emit("reply");
        assertThat(order.toString()).isEmpty();
        finish.countDown();
        acks.join(10_000);
        assertThat(ranOn[0]).isSameAs(acks);
        assertThat(order.toString()).isEqualTo("wr");
        assertThat(released.toString()).isEmpty();
        gate.acked(7);
        assertThat(released.toString()).isEqualTo("reply");
    }

    private OutputGate.Io flush(char c, java.util.concurrent.CompletableFuture<Void> durable) {
        return () -> {
            released.write(c);
            return durable;
        };
    }

    /** Two commits as kvserver makes them (write, flush, reply), covered by entries 5 and 9. */
    private void twoCommits(java.util.concurrent.CompletableFuture<Void> first, java.util.concurrent.CompletableFuture<Void> second) {
        seq = 4;
        gate.hold(io('w'));
        gate.flushing(flush('f', first));
        emit("1");
        seq = 8;
        gate.hold(io('W'));
        gate.flushing(flush('F', second));
        emit("2");
    }

    @Test
    void flushesReleasedTogetherAreDoneAsOneAfterAllTheirWrites() {
        java.util.concurrent.CompletableFuture<Void> second = new java.util.concurrent.CompletableFuture<>();
        twoCommits(new java.util.concurrent.CompletableFuture<>(), second);
        gate.acked(9); // both commits at once
        assertThat(released.toString()).isEqualTo("wWF"); // the first flush is covered by the second
        second.complete(null);
        assertThat(released.toString()).isEqualTo("wWF12");
    }

    @Test
    void aReadBetweenCommitsKeepsTheirFlushesApart() {
        seq = 4;
        gate.hold(io('w'));
        gate.flushing(flush('f', null));
        gate.ordered(io('r')); // must see the first write, not the second
        seq = 8;
        gate.hold(io('W'));
        gate.flushing(flush('F', null));
        gate.acked(9);
        assertThat(released.toString()).isEqualTo("wfrWF");
    }

    @Test
    void commitsAckedOneByOneAreNotDelayed() {
        twoCommits(java.util.concurrent.CompletableFuture.completedFuture(null), null);
        gate.acked(5);
        assertThat(released.toString()).isEqualTo("wf1");
    }
}
