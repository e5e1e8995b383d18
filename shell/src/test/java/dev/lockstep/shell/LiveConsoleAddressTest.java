// Where a backup gone live serves the console by default: on two hosts, its own address, not the primary's nor loopback.
package dev.lockstep.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.liveft.Addresses;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class LiveConsoleAddressTest {
    private static String live(String primaryConsole, String listen) {
        return Addresses.format(BackupCommand.liveConsole(primaryConsole, new InetSocketAddress(listen, 7701)));
    }

    @Test
    void aPrimaryOnAnotherHostsAddressGivesThePortOnThisBackupsListenAddress() {
        assertThat(live("10.99.0.2:7710", "10.99.0.3")).isEqualTo("10.99.0.3:7710");
    }

    @Test
    void loopbackAndTheWildcardAreKept() {
        assertThat(live("127.0.0.1:7710", "10.99.0.3")).isEqualTo("127.0.0.1:7710");
        assertThat(live("0.0.0.0:7710", "10.99.0.3")).isIn("0.0.0.0:7710", "[0:0:0:0:0:0:0:0]:7710");
    }

    @Test
    void addressesFormatAsTheyParse() {
        for (String a : new String[] {"127.0.0.1:7710", "10.99.0.3:9", "[::1]:7710"}) {
            assertThat(Addresses.format(Addresses.parse("x", a))).isEqualTo(a.equals("[::1]:7710") ? "[0:0:0:0:0:0:0:1]:7710" : a);
        }
    }
}
