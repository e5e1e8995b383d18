// `lockstep diff`: the first instruction at which two recorded executions differ.
package dev.lockstep.shell;

import dev.lockstep.shell.debug.TraceDiff;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Compares inputs, then state hashes, then bisects with replays; prints where and why they part. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Find the first instruction number at which two traces' machine states differ.", "",
                "Inputs are compared first, then STATE_HASH entries, then both traces are replayed to",
                "bisect to the first differing instruction, which is printed with its pc, symbol,",
                "disassembly, the differing registers and memory, and the input entry that caused it.", "",
                "Exit status: 0 identical, 1 the traces diverge, 2 error."})
final class DiffCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TRACE_A", description = "A trace directory.")
    Path a;

    @Parameters(index = "1", paramLabel = "TRACE_B", description = "Another trace directory.")
    Path b;

    @Override
    public Integer call() {
        TraceDiff.Result r;
        try (Progress progress = new Progress("diff", 0)) {
            r = TraceDiff.run(a, b, progress::update);
        }
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        TraceDiff.print(r, out);
        return r.identical() ? 0 : 1;
    }
}
