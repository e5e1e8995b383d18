// What a trace needs besides its entries to replay on any machine: lockstep version, machine config, guest images.
package dev.lockstep.traceformat;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The trace header's content. The machine config keeps its insertion order, because the file stores
 * it in that order and an ordered config reads the same in every tool.
 *
 * @param lockstepVersion the version of lockstep that recorded the trace, for humans and bug reports
 * @param machineConfig the machine's configuration as ordered key/value pairs (RAM size, harts, devices...)
 * @param images the guest images, names unique
 */
public record TraceHeader(String lockstepVersion, Map<String, String> machineConfig, List<GuestImage> images) {

    public TraceHeader {
        Objects.requireNonNull(lockstepVersion, "lockstepVersion");
        machineConfig = Collections.unmodifiableMap(new LinkedHashMap<>(machineConfig));
        machineConfig.forEach((k, v) -> Objects.requireNonNull(v, () -> "machine config value of " + k));
        images = List.copyOf(images);
        Set<String> names = new HashSet<>();
        for (GuestImage image : images) {
            if (!names.add(image.name())) {
                throw new IllegalArgumentException("two guest images are named " + image.name());
            }
        }
    }

    /** The header's bytes as a trace stores them (docs/trace-format.md), e.g. to send it to an FT backup. */
    public byte[] encode() {
        return HeaderFile.encode(this);
    }

    /** Reads a header from {@link #encode()}'s bytes; {@code where} names their source in errors. */
    public static TraceHeader decode(byte[] bytes, String where) {
        return HeaderFile.decode(bytes, where);
    }

    public Optional<GuestImage> image(String name) {
        return images.stream().filter(i -> i.name().equals(name)).findFirst();
    }
}
