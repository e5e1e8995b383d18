// Where virtio-rng asks for entropy: host randomness live, nothing on replay (the log has the bytes).
package dev.lockstep.emulator.virtio;

/**
 * The host side of virtio-rng. Asked for {@code n} bytes, it answers later with an
 * {@code InputEvent.Rng(bytes)} that the driver delivers; it never touches guest memory.
 */
@FunctionalInterface
public interface EntropySource {
    void request(int n);
}
