// Scripted console input: wait for text, send text, sleep in guest time. For recorded scripted sessions.
package dev.lockstep.emulator.run;

import dev.lockstep.emulator.LockstepException;
import dev.lockstep.emulator.Machine;
import dev.lockstep.emulator.io.InputEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A console script, one step a line:
 * <pre>
 *   # a comment
 *   wait =&gt;             wait until the guest has printed "=&gt;" (since the previous wait)
 *   send version\r      type the text (escapes: \r \n \t \\ \xNN)
 *   sleep 200           let 200 ms of guest time pass
 * </pre>
 * The script is input like any other: the driver delivers its bytes at an instruction boundary and a
 * recorder logs them, so a recorded scripted session replays like an interactive one.
 */
public final class InputScript {
    private record Step(String verb, byte[] arg, long millis) {}

    private final List<Step> steps;
    private int next;
    private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
    private long sleepUntilTicks = -1;

    private InputScript(List<Step> steps) { this.steps = steps; }

    public static InputScript parse(Path file) {
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new LockstepException("cannot read input script " + file + ": " + e.getMessage(), e);
        }
    }

    public static InputScript parse(String name, String text) {
        List<Step> steps = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            String l = line.stripLeading();
            if (l.endsWith("\r")) l = l.substring(0, l.length() - 1);
            if (l.isEmpty() || l.startsWith("#")) continue;
            int sp = l.indexOf(' ');
            String verb = sp < 0 ? l : l.substring(0, sp);
            String arg = sp < 0 ? "" : l.substring(sp + 1);
            switch (verb) {
                case "wait", "send" -> steps.add(new Step(verb, unescape(arg, name, lineNo), 0));
                case "sleep" -> {
                    try {
                        steps.add(new Step(verb, null, Long.parseLong(arg.trim())));
                    } catch (NumberFormatException e) {
                        throw new LockstepException(name + ":" + lineNo + ": sleep takes milliseconds, not '" + arg + "'");
                    }
                }
                default -> throw new LockstepException(name + ":" + lineNo + ": unknown step '" + verb
                        + "' (expected wait, send or sleep)");
            }
        }
        return new InputScript(steps);
    }

    private static byte[] unescape(String s, String name, int lineNo) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '\\' -> out.write('\\');
                case 'x' -> {
                    if (i + 2 >= s.length()) {
                        throw new LockstepException(name + ":" + lineNo + ": \\x needs two hex digits");
                    }
                    try {
                        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    } catch (RuntimeException ex) {
                        throw new LockstepException(name + ":" + lineNo + ": \\x needs two hex digits");
                    }
                    i += 2;
                }
                default -> throw new LockstepException(name + ":" + lineNo + ": unknown escape \\" + e);
            }
        }
        return out.toByteArray();
    }

    /** Console output the guest produced; waits match against it. */
    void observe(byte[] data, int off, int len) { seen.write(data, off, len); }

    public boolean done() { return next >= steps.size(); }

    /** The input to deliver now, or null. Advances through waits that are satisfied and sleeps that are over. */
    InputEvent ready(Machine m) {
        while (next < steps.size()) {
            Step s = steps.get(next);
            switch (s.verb) {
                case "wait" -> {
                    String have = seen.toString(StandardCharsets.ISO_8859_1);
                    String want = new String(s.arg, StandardCharsets.ISO_8859_1);
                    int at = have.indexOf(want);
                    if (at < 0) return null;
                    byte[] rest = seen.toByteArray();
                    seen.reset();
                    seen.write(rest, at + s.arg.length, rest.length - at - s.arg.length);
                    next++;
                }
                case "sleep" -> {
                    long ticks = s.millis * 10_000L;
                    if (sleepUntilTicks < 0) sleepUntilTicks = m.time() + ticks;
                    if (Long.compareUnsigned(m.time(), sleepUntilTicks) < 0) return null;
                    sleepUntilTicks = -1;
                    next++;
                }
                default -> {
                    next++;
                    return new InputEvent.ConsoleInput(s.arg);
                }
            }
        }
        return null;
    }

    /** While sleeping: the guest time at which the script continues, else -1. */
    long wakeTicks() { return sleepUntilTicks; }
}
