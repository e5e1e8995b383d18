// The `lockstep` command: picocli's entry point, and the one place user errors become messages.
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Top-level command. Subcommands do the work; errors a user can cause print one line (stack with --debug). */
@Command(name = "lockstep", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Record/replay debugging and fault tolerance for a deterministic RISC-V machine.", "",
                "A guest runs on an emulated QEMU-virt-compatible RV64 machine whose every",
                "non-deterministic input is a log entry (instruction number, type, data)."},
        subcommands = {RunCommand.class, RecordCommand.class, ReplayCommand.class, InfoCommand.class, EventsCommand.class,
                ShellCommand.class, DiffCommand.class, DemoCommand.class, PrimaryCommand.class, BackupCommand.class,
                ArbiterCommand.class, ClientCommand.class, DebuggerBenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Run 'lockstep COMMAND --help' for a command's options."})
public final class Main implements Runnable {
    @Option(names = "--debug", description = "Print stack traces for errors.", scope = CommandLine.ScopeType.INHERIT)
    static boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(System.out); }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"lockstep " + (v != null ? v : "0.1.0-SNAPSHOT")};
        }
    }

    public static int execute(String... args) {
        debug = false; // static, so picocli would otherwise keep a previous in-process call's --debug
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (isUserError(ex)) {
                cmd.getErr().println("lockstep: " + message(ex));
                if (debug) ex.printStackTrace(cmd.getErr());
                return 2;
            }
            cmd.getErr().println("lockstep: internal error: " + ex);
            if (debug) ex.printStackTrace(cmd.getErr());
            else cmd.getErr().println("(run with --debug for the stack trace, and please report it)");
            return 70;
        });
        return cl.execute(args);
    }

    /** Errors a user can cause: bad images, traces, options, files. Anything else is a bug in lockstep. */
    private static boolean isUserError(Throwable ex) {
        return ex instanceof LockstepException || ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException
                || ex.getClass().getName().equals("dev.lockstep.traceformat.TraceFormatException");
    }

    private static String message(Throwable ex) {
        if (ex instanceof java.nio.file.NoSuchFileException n) return n.getFile() + ": no such file";
        if (ex instanceof java.nio.file.AccessDeniedException a) return a.getFile() + ": permission denied";
        return ex.getMessage() != null ? ex.getMessage() : ex.toString();
    }

    public static void main(String[] args) { System.exit(execute(args)); }
}
