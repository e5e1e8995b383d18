// A driver error a virtio device detected in guest memory (bad descriptors, rings outside RAM).
package dev.lockstep.emulator.virtio;

/**
 * Guest garbage: the device answers by setting DEVICE_NEEDS_RESET, never by failing the host. Carries
 * no stack trace; it is an expected outcome of running untrusted guests.
 */
public final class VirtioError extends Exception {
    public VirtioError(String message) { super(message, null, false, false); }
}
