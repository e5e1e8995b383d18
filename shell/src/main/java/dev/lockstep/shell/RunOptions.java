// Options shared by every command that builds and runs a machine (run, record, primary).
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.MachineConfig;
import dev.lockstep.emulator.io.InputPort;
import picocli.CommandLine.Option;

/** The machine and session options of `lockstep run`, reused as a picocli mixin. */
final class RunOptions {
    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "128M",
            description = "RAM size (default: ${DEFAULT-VALUE}), e.g. 64M, 1G.")
    String ram;

    @Option(names = "--max-instructions", paramLabel = "N", defaultValue = "-1",
            description = "Stop after N instructions (default: no limit). Stops runaway guests.")
    long maxInstructions;

    @Option(names = "--rtc", paramLabel = "host|fixed:NANOS", defaultValue = "host",
            description = "What the goldfish RTC reads: the host clock (default) or a fixed time in ns since the epoch.")
    String rtc;

    @Option(names = "--idle", paramLabel = "wait|skip", defaultValue = "wait",
            description = "When the guest waits for a timer: wait in real time (default, as on hardware) or skip ahead at once.")
    String idle;

    @Option(names = "--stats", description = "Print instructions, wall time and MIPS when the run ends.")
    boolean stats;

    MachineConfig config() { return MachineConfig.DEFAULT.withRam(MachineConfig.parseSize(ram)); }

    /** The instruction limit; -1 reads as unsigned infinity. */
    long limit() { return maxInstructions < 0 ? -1L : maxInstructions; }

    boolean realTimeIdle() {
        return switch (idle) {
            case "wait" -> true;
            case "skip" -> false;
            default -> throw new LockstepException("--idle takes 'wait' or 'skip', not '" + idle + "'");
        };
    }

    InputPort rtcPort() {
        if (rtc.equals("host")) {
            return instret -> {
                java.time.Instant now = java.time.Instant.now();
                return now.getEpochSecond() * 1_000_000_000L + now.getNano();
            };
        }
        if (rtc.startsWith("fixed:")) {
            try {
                long v = Long.parseLong(rtc.substring(6));
                return InputPort.fixedClock(v);
            } catch (NumberFormatException e) {
                throw new LockstepException("--rtc fixed: needs a number of nanoseconds, not '" + rtc.substring(6) + "'");
            }
        }
        throw new LockstepException("--rtc takes 'host' or 'fixed:NANOS', not '" + rtc + "'");
    }
}
