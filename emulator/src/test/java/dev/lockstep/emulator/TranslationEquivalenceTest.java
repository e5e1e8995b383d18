// Translated blocks must behave exactly as the interpreter: same state at every point, same output.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.emulator.elf.ElfImage;
import dev.lockstep.emulator.io.InputPort;
import dev.lockstep.emulator.io.OutputKind;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Block translation is a cache of the interpreter's semantics (DESIGN §1: which blocks are translated is
 * unobservable). Each guest runs twice, interpreted only and with every block translated after its second run
 * (far more eagerly than by default, so that nearly all of it runs translated), and the state hashes at
 * every million instructions and the console output must be equal.
 */
class TranslationEquivalenceTest {
    private record Run(List<Long> hashes, String console, int exit) {}

    private static Run run(String guest, boolean translate) throws Exception {
        ElfImage elf = ElfImage.parse(guest, Files.readAllBytes(TestGuests.prebuilt(guest)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Machine m = new Machine(MachineConfig.DEFAULT.withRam(32L << 20), InputPort.fixedClock(1_700_000_000_000_000_000L),
                (k, i, d, o, l) -> {
                    if (k == OutputKind.CONSOLE) out.write(d, o, l);
                });
        if (translate) m.hart().translateAfter(2); // almost every block translated
        else m.hart().setTranslation(false);
        m.load(elf);
        List<Long> hashes = new ArrayList<>();
        while (!m.halted() && m.instret() < 40_000_000L) {
            Machine.Status s = m.run(m.instret() + 1_000_000);
            if (s == Machine.Status.IDLE) m.setTime(m.nextTimerTicks());
            hashes.add(m.stateHash());
        }
        return new Run(hashes, out.toString(java.nio.charset.StandardCharsets.ISO_8859_1), m.exitCode());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"selftest", "racy", "bench-small", "vmtest", "fptest", "reboot"})
    void translatedAndInterpretedRunsAreIdentical(String guest) throws Exception {
        Run interpreted = run(guest, false);
        Run translated = run(guest, true);
        assertThat(translated.console).isEqualTo(interpreted.console);
        assertThat(translated.exit).isEqualTo(interpreted.exit);
        assertThat(translated.hashes).isEqualTo(interpreted.hashes);
    }
}
