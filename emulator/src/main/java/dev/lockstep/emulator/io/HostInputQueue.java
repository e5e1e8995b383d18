// Where host threads (console reader, sockets) queue input for the machine loop to deliver.
package dev.lockstep.emulator.io;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** A thread-safe queue of pending input. Only the driver thread takes from it. */
public final class HostInputQueue {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    private final ArrayDeque<InputEvent> events = new ArrayDeque<>();
    private boolean closed;

    public void put(InputEvent e) {
        lock.lock();
        try {
            events.add(e);
            nonEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** No more input will come (stdin reached EOF). */
    public void close() {
        lock.lock();
        try {
            closed = true;
            nonEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed && events.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Whether no event waits (so the driver, if its guest is idle, is about to wait for one). */
    public boolean isEmpty() {
        lock.lock();
        try {
            return events.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    public InputEvent poll() {
        lock.lock();
        try {
            return events.poll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code nanos} for an event; returns null on time-out or when closed and empty. */
    public InputEvent await(long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (events.isEmpty() && !closed && left > 0) left = nonEmpty.awaitNanos(left);
            return events.poll();
        } finally {
            lock.unlock();
        }
    }

    public static long millis(long ms) { return TimeUnit.MILLISECONDS.toNanos(ms); }
}
