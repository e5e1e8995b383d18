// Trigger registers never written leave a machine's state bytes, and so every recorded STATE_HASH, as they were.
package dev.lockstep.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The state hashes below were computed on the main branch before the trigger module existed. A guest that
 * never touches tselect/tdata/tcontrol must hash the same, so old traces' STATE_HASH entries stay valid.
 */
class TriggerStateHashTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"hello, 1, 0x7c632b43f5538081", "smp, 2, 0x2e6a50778abee58b", "vmtest, 1, 0xce8cd019faaf9dff",
            "selftest, 1, 0x7089f704696ce940"})
    void aMachineThatNeverWroteATriggerHashesAsBefore(String guest, int harts, String expected) {
        MachineConfig config = MachineConfig.DEFAULT.withRam(32L << 20).withHarts(harts);
        TestGuests.Outcome o = TestGuests.run(guest, config, TestGuests.FIXED_RTC, 5_000_000);
        assertThat(o.stateHash()).isEqualTo(Long.parseUnsignedLong(expected.substring(2), 16));
    }
}
