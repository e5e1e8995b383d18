// Guards the exclusion of chronicle-analytics, which phones home: it must be neither on the class path nor loadable.
package dev.lockstep.traceformat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

class NoChronicleAnalyticsTest {

    @Test
    void chronicleAnalyticsIsNotOnTheClassPath() {
        assertThat(System.getProperty("java.class.path")).doesNotContain("chronicle-analytics");
    }

    /**
     * chronicle-queue's own jar names chronicle-analytics in its manifest Class-Path, which the JVM follows;
     * only the file being absent keeps it out. This checks that it is.
     */
    @Test
    void noManifestClassPathBringsChronicleAnalyticsIn() throws IOException {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File jar = new File(entry);
            if (!jar.isFile()) {
                continue;
            }
            try (JarFile j = new JarFile(jar)) {
                Manifest m = j.getManifest();
                String classPath = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                if (classPath == null) {
                    continue;
                }
                for (String ref : classPath.split(" ")) {
                    if (ref.contains("chronicle-analytics")) {
                        assertThat(new File(jar.getParentFile(), ref)).as("%s, named by %s", ref, jar.getName()).doesNotExist();
                    }
                }
            }
        }
    }

    @Test
    void chronicleAnalyticsCannotBeLoaded() {
        assertThatThrownBy(() -> Class.forName("net.openhft.chronicle.analytics.Analytics"))
                .isInstanceOf(ClassNotFoundException.class);
    }
}
