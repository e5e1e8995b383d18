// Specification of the reader thread's guard: a Chronicle call that never returns becomes a TraceFormatException, and the reader then refuses further work.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class QueueReaderTest {

    @Test
    void aCallThatNeverReturnsIsReportedAsADamagedFile() throws InterruptedException {
        QueueReader reader = QueueReader.forTest("trace t", 200);
        CountDownLatch never = new CountDownLatch(1);
        try {
            assertThatThrownBy(() -> reader.call("Block 3 of t cannot be read", 200, () -> {
                never.await();
                return null;
            }))
                    .isInstanceOf(TraceFormatException.class)
                    .hasMessage("Block 3 of t cannot be read: Chronicle Queue did not answer within 0.2 s, which only a damaged file explains.");
            assertThatThrownBy(() -> reader.call("Block 4 of t cannot be read", 200, () -> 1))
                    .isInstanceOf(TraceFormatException.class)
                    .hasMessageContaining("stopped answering on an earlier read");
        } finally {
            never.countDown();
            reader.close();
        }
    }

    @Test
    void whatChronicleThrowsBecomesOneSentence() {
        QueueReader reader = QueueReader.forTest("trace t", 5_000);
        try {
            assertThatThrownBy(() -> reader.call("Block 1 of t cannot be read", 5_000, () -> {
                throw new IllegalStateException("expecting index\n00000c0 b9 0b 69 6e\u0000");
            }))
                    .isInstanceOf(TraceFormatException.class)
                    .hasMessage("Block 1 of t cannot be read (Chronicle Queue reports IllegalStateException: expecting index).");
        } finally {
            reader.close();
        }
    }

    @Test
    void closingTheReaderEndsItsThread() throws InterruptedException {
        QueueReader reader = QueueReader.forTest("trace t", 5_000);
        reader.call("x", 5_000, () -> 1);
        reader.close();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).doesNotContain("lockstep-trace-reader");
    }
}
