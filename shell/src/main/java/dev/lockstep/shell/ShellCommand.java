// `lockstep shell`: the time-travel debugger's REPL over a trace.
package dev.lockstep.shell;

import dev.lockstep.shell.debug.Debugger;
import dev.lockstep.shell.debug.Repl;
import dev.lockstep.shell.debug.Symbols;
import dev.lockstep.emulator.isa.CsrNames;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * On a terminal: a jline line editor with history and completion of commands, symbols, registers, CSRs
 * and bookmarks. Otherwise (stdin a pipe or file): plain lines, each echoed after the prompt so a
 * transcript reads like a session, and no escape codes.
 */
@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"Debug a recorded trace: seek to any instruction number, step backwards, break, watch,",
                "reverse-continue, find the last write to an address, diff states and traces.", "",
                "Commands are read from the terminal, or line by line from stdin when it is not a",
                "terminal, so sessions can be scripted. Type 'help' in the shell for the commands."})
final class ShellCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "The trace directory.")
    Path dir;

    @Option(names = "--batch", description = "Read plain lines from stdin even on a terminal.")
    boolean batch;

    static final String PROMPT = "(lockstep) ";

    @Override
    public Integer call() throws Exception {
        try (Debugger dbg = Debugger.open(dir)) {
            if (batch || System.console() == null) return plain(dbg);
            return interactive(dbg);
        }
    }

    private static int plain(Debugger dbg) throws Exception {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        Repl repl = new Repl(dbg, out);
        out.printf("lockstep shell: %s, %,d instructions; at 0%n", dbg.directory(), dbg.end());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while (!repl.quitRequested() && (line = in.readLine()) != null) {
            out.println(PROMPT + line);
            repl.execute(line);
        }
        out.flush();
        return 0;
    }

    private static int interactive(Debugger dbg) throws Exception {
        try (Terminal term = TerminalBuilder.builder().system(true).build()) {
            PrintWriter out = term.writer();
            Repl repl = new Repl(dbg, out);
            LineReader reader = LineReaderBuilder.builder().terminal(term).appName("lockstep")
                    .completer((r, line, candidates) -> complete(repl, line, candidates))
                    .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".lockstep_history"))
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                    .build();
            out.printf("lockstep shell: %s, %,d instructions; at 0. Type 'help' for the commands.%n", dbg.directory(), dbg.end());
            out.flush();
            while (!repl.quitRequested()) {
                String line;
                try {
                    line = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    continue;
                } catch (EndOfFileException e) {
                    break;
                }
                repl.execute(line);
            }
            reader.getHistory().save();
            return 0;
        }
    }

    private static void complete(Repl repl, org.jline.reader.ParsedLine line, List<Candidate> candidates) {
        if (line.wordIndex() == 0) {
            for (String n : repl.commandNames()) candidates.add(new Candidate(n));
            return;
        }
        String cmd = line.words().get(0);
        if (cmd.equals("csr")) {
            for (String n : CsrNames.allNames()) candidates.add(new Candidate(n));
            return;
        }
        if (cmd.equals("goto")) {
            for (String n : repl.debugger().bookmarks().keySet()) candidates.add(new Candidate(n));
            return;
        }
        if (cmd.equals("help")) {
            for (String n : repl.commandNames()) candidates.add(new Candidate(n));
            return;
        }
        for (String s : repl.debugger().symbols().names()) candidates.add(new Candidate(s));
        for (String r : Symbols.REGISTER_NAMES) candidates.add(new Candidate("$" + r));
    }
}
