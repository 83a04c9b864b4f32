package dev.ferry.mapper.targets;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The parsed feature list of a {@code flakey} line (see {@link FlakeyTarget}), kept in canonical words
 * so the table prints what it parsed.
 */
record FlakeyFeatures(boolean errorReads, boolean dropWrites, boolean errorWrites, int corruptByte,
        boolean corruptWrites, byte corruptValue, List<FaultRule> rules, List<String> words) {

    /** Whether no dm feature is set: then a down target fails all reads and writes. */
    boolean none() {
        return !errorReads && !dropWrites && !errorWrites && corruptByte == 0;
    }

    boolean corruptsReads() {
        return corruptByte > 0 && !corruptWrites;
    }

    boolean corruptsWrites() {
        return corruptByte > 0 && corruptWrites;
    }

    /** Replaces the configured byte of {@code buf} (relative to its position) if the buffer is long enough. */
    void corrupt(ByteBuffer buf) {
        if (buf.remaining() >= corruptByte) {
            buf.put(buf.position() + corruptByte - 1, corruptValue);
        }
    }

    /** Parses the optional {@code <#feature_words> <feature>...} from argument 4 on. */
    static FlakeyFeatures parse(List<String> args, long lengthSectors) {
        if (args.size() == 4) {
            return new FlakeyFeatures(false, false, false, 0, false, (byte) 0, List.of(), List.of());
        }
        long n = TargetArgs.number(args, 4, "flakey: #feature words", 0, Integer.MAX_VALUE);
        if (n != args.size() - 5) {
            throw new IllegalArgumentException("flakey: #feature words is " + n + " but " + (args.size() - 5)
                    + " words follow");
        }
        List<String> w = args.subList(5, args.size());
        boolean errorReads = false;
        boolean dropWrites = false;
        boolean errorWrites = false;
        int corruptByte = 0;
        boolean corruptWrites = false;
        byte value = 0;
        List<FaultRule> rules = new ArrayList<>();
        List<String> words = new ArrayList<>();
        int i = 0;
        while (i < w.size()) {
            String f = w.get(i);
            switch (f) {
                case "error_reads" -> errorReads = once(errorReads, f);
                case "drop_writes" -> dropWrites = once(dropWrites, f);
                case "error_writes" -> errorWrites = once(errorWrites, f);
                case "corrupt_bio_byte" -> {
                    once(corruptByte > 0, f);
                    if (i + 5 > w.size()) {
                        throw new IllegalArgumentException("flakey: corrupt_bio_byte needs <nth> <r|w> <value> <flags>");
                    }
                    corruptByte = (int) TargetArgs.parse(w.get(i + 1), "flakey: corrupt_bio_byte nth byte", 1,
                            Integer.MAX_VALUE);
                    String dir = w.get(i + 2);
                    if (!dir.equals("r") && !dir.equals("w")) {
                        throw new IllegalArgumentException("flakey: corrupt_bio_byte direction '" + dir + "' is not r or w");
                    }
                    corruptWrites = dir.equals("w");
                    value = (byte) TargetArgs.parse(w.get(i + 3), "flakey: corrupt_bio_byte value", 0, 255);
                    TargetArgs.parse(w.get(i + 4), "flakey: corrupt_bio_byte flags (only 0 is supported)", 0, 0);
                    words.add(f + " " + corruptByte + " " + dir + " " + (value & 0xff) + " 0");
                    i += 5;
                    continue;
                }
                case FaultRule.KEYWORD -> {
                    FaultRule rule = FaultRule.parse(w, i, lengthSectors);
                    rules.add(rule);
                    words.add(rule.params());
                    i += FaultRule.WORDS;
                    continue;
                }
                default -> throw new IllegalArgumentException("flakey: unknown feature '" + f + "'");
            }
            words.add(f);
            i++;
        }
        if (dropWrites && errorWrites) {
            throw new IllegalArgumentException("flakey: drop_writes and error_writes are mutually exclusive");
        }
        if (dropWrites && corruptWrites) {
            throw new IllegalArgumentException("flakey: corrupt_bio_byte w is incompatible with drop_writes");
        }
        return new FlakeyFeatures(errorReads, dropWrites, errorWrites, corruptByte, corruptWrites, value,
                List.copyOf(rules), splitWords(words));
    }

    private static boolean once(boolean already, String feature) {
        if (already) {
            throw new IllegalArgumentException("flakey: feature " + feature + " duplicated");
        }
        return true;
    }

    private static List<String> splitWords(List<String> groups) {
        List<String> out = new ArrayList<>();
        for (String g : groups) {
            out.addAll(List.of(g.split(" ")));
        }
        return List.copyOf(out);
    }
}
