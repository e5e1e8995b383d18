// Encoding patterns as the instruction tables write them: fixed bits and '-' for fields.
package dev.lockstep.emulator.isa;

/** A parsed encoding pattern: the fixed bits ({@link #mask}) and their values ({@link #match}). */
record Pattern(int mask, int match) {
    /** Parses {@code text} (spaces ignored) of exactly {@code bits} characters, most significant first. */
    static Pattern parse(String owner, String text, int bits) {
        String b = text.replace(" ", "");
        if (b.length() != bits) throw new IllegalStateException(owner + ": pattern is not " + bits + " bits");
        int m = 0, v = 0;
        for (char c : b.toCharArray()) {
            m <<= 1;
            v <<= 1;
            if (c != '-') {
                m |= 1;
                v |= c - '0';
            }
        }
        return new Pattern(m, v);
    }
}
