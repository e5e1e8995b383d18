// `lockstep events`: list a trace's log entries, filtered by instruction range and type, as text or JSON.
package dev.lockstep.shell;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.traceformat.EntryCursor;
import dev.lockstep.traceformat.EntryType;
import dev.lockstep.traceformat.LogEntry;
import dev.lockstep.traceformat.Trace;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints log entries; `--from` seeks in O(log n) without scanning the trace. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "List a trace's log entries.")
public final class EventsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "The trace directory.")
    Path dir;

    @Option(names = "--from", paramLabel = "N", description = "First instruction number.")
    long from;

    @Option(names = "--to", paramLabel = "N", description = "Last instruction number.")
    Long to;

    @Option(names = "--type", paramLabel = "T", split = ",", description = "Only these entry types (e.g. CONSOLE_IN,CLOCK).")
    String[] types;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Override
    public Integer call() {
        java.util.Set<EntryType> wanted = null;
        if (types != null) {
            wanted = java.util.EnumSet.noneOf(EntryType.class);
            for (String t : types) {
                try {
                    wanted.add(EntryType.valueOf(t.trim().toUpperCase().replace('-', '_')));
                } catch (IllegalArgumentException e) {
                    throw new LockstepException("unknown entry type '" + t + "' (types: " + Arrays.toString(EntryType.values()) + ")");
                }
            }
        }
        PrintStream out = System.out;
        try (Trace t = Trace.open(dir); EntryCursor c = t.firstEntryAtOrAfter(from)) {
            while (c.hasNext()) {
                LogEntry e = c.next();
                if (to != null && e.instret() > to) break;
                if (wanted != null && !wanted.contains(e.type())) continue;
                out.println(json ? json(e) : text(e));
            }
        }
        out.flush();
        return 0;
    }

    /** One entry as a line of text: instruction number, type, data. */
    public static String text(LogEntry e) {
        String data;
        if (e instanceof LogEntry.ConsoleIn c) data = quote(c.bytes());
        else if (e instanceof LogEntry.Output o) data = o.kind() + " " + o.length() + " bytes hash " + Long.toHexString(o.hash())
                + (o.bytes() != null ? " " + quote(o.bytes()) : "");
        else if (e instanceof LogEntry.Clock c) data = "time -> " + c.newTimeBase();
        else if (e instanceof LogEntry.Wall w) data = "rtc = " + w.value();
        else if (e instanceof LogEntry.StateHash h) data = String.format("%016x", h.hash());
        else if (e instanceof LogEntry.Checkpoint k) data = "checkpoint " + k.checkpointId();
        else if (e instanceof LogEntry.End en) data = en.reason() + " exit " + en.exitCode();
        else data = e.toString();
        return String.format("%,15d  %-11s %s", e.instret(), e.type(), data);
    }

    static String json(LogEntry e) {
        StringBuilder b = new StringBuilder("{\"instret\":").append(e.instret()).append(",\"type\":\"").append(e.type()).append('"');
        if (e instanceof LogEntry.ConsoleIn c) b.append(",\"bytes\":").append(jsonString(c.bytes()));
        else if (e instanceof LogEntry.Output o) {
            b.append(",\"kind\":\"").append(o.kind()).append("\",\"length\":").append(o.length())
                    .append(",\"hash\":\"").append(Long.toHexString(o.hash())).append('"');
            if (o.bytes() != null) b.append(",\"bytes\":").append(jsonString(o.bytes()));
        } else if (e instanceof LogEntry.Clock c) b.append(",\"time\":").append(c.newTimeBase());
        else if (e instanceof LogEntry.Wall w) b.append(",\"value\":").append(w.value());
        else if (e instanceof LogEntry.StateHash h) b.append(",\"hash\":\"").append(String.format("%016x", h.hash())).append('"');
        else if (e instanceof LogEntry.Checkpoint k) b.append(",\"checkpoint\":").append(k.checkpointId());
        else if (e instanceof LogEntry.End en) b.append(",\"reason\":\"").append(en.reason()).append("\",\"exit\":").append(en.exitCode());
        else b.append(",\"entry\":").append(jsonString(e.toString().getBytes(StandardCharsets.UTF_8)));
        return b.append('}').toString();
    }

    private static String quote(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : b) {
            int c = x & 0xff;
            if (c == '\n') s.append("\\n");
            else if (c == '\r') s.append("\\r");
            else if (c == '"' || c == '\\') s.append('\\').append((char) c);
            else if (c < 32 || c > 126) s.append(String.format("\\x%02x", c));
            else s.append((char) c);
        }
        return s.append('"').toString();
    }

    private static String jsonString(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : b) {
            int c = x & 0xff;
            if (c == '"' || c == '\\') s.append('\\').append((char) c);
            else if (c < 32 || c > 126) s.append(String.format("\\u%04x", c));
            else s.append((char) c);
        }
        return s.append('"').toString();
    }
}
