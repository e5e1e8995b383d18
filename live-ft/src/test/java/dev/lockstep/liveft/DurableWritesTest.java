// The backup's window under --durability replica: writes count as durable only once a flush behind them is done.
package dev.lockstep.liveft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class DurableWritesTest {
    private final List<CompletableFuture<Void>> flushes = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();

    private DurableWrites writes(int maxUndurable) {
        return new DurableWrites(() -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            flushes.add(f);
            return f;
        }, failures::add, maxUndurable);
    }

    @Test
    void aWriteIsDurableOnlyOnceAFlushStartedAfterItIsDone() {
        DurableWrites w = writes(256);
        w.started(0, 512);
        w.started(1, 512);
        w.flush();
        w.started(2, 512); // after the flush: not covered by it
        assertThat(w.durable()).as("the flush is still running").isZero();
        flushes.get(0).complete(null);
        assertThat(w.durable()).isEqualTo(2);
        w.flush();
        flushes.get(1).complete(null);
        assertThat(w.durable()).isEqualTo(3);
    }

    @Test
    void flushesCompletingOutOfOrderNeverMoveTheCountBack() {
        DurableWrites w = writes(256);
        w.started(0, 512);
        w.flush();
        w.started(1, 512);
        w.flush();
        flushes.get(1).complete(null);
        flushes.get(0).complete(null);
        assertThat(w.durable()).isEqualTo(2);
    }

    @Test
    void withoutGuestFlushesItFlushesByItselfSoTheBackupsWindowStaysBounded() {
        DurableWrites w = writes(4);
        for (int i = 0; i < 3; i++) w.started(i, 512);
        assertThat(flushes).isEmpty();
        w.started(3, 512); // the fourth write not durable
        assertThat(flushes).hasSize(1);
        w.started(4, 512); // one flush at a time
        assertThat(flushes).hasSize(1);
        flushes.get(0).complete(null);
        assertThat(w.durable()).isEqualTo(4);
    }

    @Test
    void aFailedFlushIsReportedAndCountsNothing() {
        DurableWrites w = writes(256);
        w.started(0, 512);
        w.flush();
        flushes.get(0).completeExceptionally(new java.io.IOException("EIO"));
        assertThat(w.durable()).isZero();
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0)).hasMessageContaining("EIO");
    }

    @Test
    void flushAndWaitCountsTheIssuedWritesOnlyOnceTheFlushIsDone() {
        DurableWrites ok = new DurableWrites(() -> CompletableFuture.completedFuture(null), failures::add, 256);
        ok.started(0, 512);
        ok.flushAndWait(5);
        assertThat(ok.durable()).isEqualTo(5);
        DurableWrites broken = new DurableWrites(() -> CompletableFuture.failedFuture(new java.io.IOException("EIO")), failures::add, 256);
        assertThatThrownBy(() -> broken.flushAndWait(5)).hasRootCauseMessage("EIO");
        assertThat(broken.durable()).isZero();
    }

    @Test
    void aNewBackupsWindowStartsAtTheWritesAlreadyDurable() {
        DurableWrites w = writes(4);
        w.durableUpTo(100);
        assertThat(w.durable()).isEqualTo(100);
        w.started(100, 512);
        w.started(101, 512);
        assertThat(flushes).as("two writes are not durable, below the bound").isEmpty();
    }

    @Test
    void largeWritesAreFlushedByTheirBytesLongBeforeTheirCount() {
        DurableWrites w = writes(256);
        int mib = 1 << 20;
        for (int i = 0; i < 15; i++) w.started(i, mib);
        assertThat(flushes).as("15 MiB not durable").isEmpty();
        w.started(15, mib);
        assertThat(flushes).as("16 MiB: the backup keeps them all in memory").hasSize(1);
        flushes.get(0).complete(null);
        for (int i = 16; i < 31; i++) w.started(i, mib);
        assertThat(flushes).as("the count of bytes starts again from the durable ones").hasSize(1);
        w.durableUpTo(31);
        w.started(31, 8 * mib);
        assertThat(flushes).as("a new backup's window: all bytes before it are durable").hasSize(1);
    }
}
