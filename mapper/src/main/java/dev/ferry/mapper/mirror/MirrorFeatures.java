package dev.ferry.mapper.mirror;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The feature words of a mirror table line ({@code [<#features> <word>...]}), as given.
 *
 * @param handleErrors whether {@code handle_errors} is set (echoed; errors are always recorded and raised)
 * @param throttleGroup the copier throttle group of the recovery copies ({@code throttle <group>}), or null
 * @param keepServing  whether {@code keep_serving} is set: failures make region copies stale instead of
 *                     killing legs, and any good copy serves I/O (see {@link MirrorTarget})
 * @param staleRanges  leg index to the region ranges ({@code stale <leg> <ranges>}) whose copy on that leg is
 *                     stale at load, as written (syntax of {@link RegionRanges})
 * @param absentRanges leg index to the region ranges ({@code absent <leg> <ranges>}) of which that leg holds no copy
 *                     at all (an AIX logical partition with fewer copies than the mirror has legs): never read nor
 *                     written there, never copied onto, and no reason for the region to be out of sync
 * @param offlineLegs  the legs ({@code offline <leg>}, never the default leg, only without keep_serving) loaded as
 *                     failed: never read, written, flushed nor recovered onto; the log's in-sync regions stay in sync
 *                     for them until written (a pvmove held after its destination failed)
 */
public record MirrorFeatures(boolean handleErrors, String throttleGroup, boolean keepServing,
        SortedMap<Integer, String> staleRanges, SortedMap<Integer, String> absentRanges, SortedSet<Integer> offlineLegs) {

    /** No feature: the dm-raid1 behaviour pvmove relies on. */
    public static final MirrorFeatures NONE = new MirrorFeatures(false, null, false, new TreeMap<>(),
            new TreeMap<>(), new TreeSet<>());

    /** The features without offline legs. */
    public MirrorFeatures(boolean handleErrors, String throttleGroup, boolean keepServing,
            SortedMap<Integer, String> staleRanges, SortedMap<Integer, String> absentRanges) {
        this(handleErrors, throttleGroup, keepServing, staleRanges, absentRanges, new TreeSet<>());
    }

    /** Copies the ranges and legs; stale and absent ranges require {@code keepServing}, offline legs forbid it. */
    public MirrorFeatures {
        staleRanges = Collections.unmodifiableSortedMap(new TreeMap<>(staleRanges));
        absentRanges = Collections.unmodifiableSortedMap(new TreeMap<>(absentRanges));
        offlineLegs = Collections.unmodifiableSortedSet(new TreeSet<>(offlineLegs));
        if (!offlineLegs.isEmpty() && keepServing) {
            throw new IllegalArgumentException("mirror: feature 'offline' cannot go with 'keep_serving'");
        }
        if (offlineLegs.contains(0)) {
            throw new IllegalArgumentException("mirror: feature 'offline': the default leg 0 cannot be offline");
        }
        if (!staleRanges.isEmpty() && !keepServing) {
            throw new IllegalArgumentException("mirror: feature 'stale' requires 'keep_serving'");
        }
        if (!absentRanges.isEmpty() && !keepServing) {
            throw new IllegalArgumentException("mirror: feature 'absent' requires 'keep_serving'");
        }
    }

    /**
     * Parses the words after {@code <#features>} of a mirror over {@code legCount} legs, with precise errors for
     * unknown, repeated or incomplete features.
     */
    public static MirrorFeatures parse(List<String> words, int legCount) {
        boolean handleErrors = false;
        boolean keepServing = false;
        String throttle = null;
        SortedMap<Integer, String> stale = new TreeMap<>();
        SortedMap<Integer, String> absent = new TreeMap<>();
        SortedSet<Integer> offline = new TreeSet<>();
        for (int i = 0; i < words.size(); i++) {
            String f = words.get(i);
            switch (f) {
                case "handle_errors" -> handleErrors = once(f, handleErrors);
                case "keep_serving" -> keepServing = once(f, keepServing);
                case "throttle" -> {
                    once(f, throttle != null);
                    throttle = argument(words, ++i, "throttle", "a group");
                }
                case "stale", "absent" -> {
                    String legWord = argument(words, ++i, f, "a leg and region ranges");
                    int leg = legIndex(f, legWord, legCount);
                    if ((f.equals("stale") ? stale : absent).put(leg, argument(words, ++i, f,
                            "region ranges after leg " + leg)) != null) {
                        throw new IllegalArgumentException("mirror: feature '" + f + "' given twice for leg " + leg);
                    }
                }
                case "offline" -> {
                    int leg = legIndex(f, argument(words, ++i, f, "a leg"), legCount);
                    if (!offline.add(leg)) {
                        throw new IllegalArgumentException("mirror: feature 'offline' given twice for leg " + leg);
                    }
                }
                default -> throw new IllegalArgumentException("mirror: unknown feature '" + f + "'");
            }
        }
        return new MirrorFeatures(handleErrors, throttle, keepServing, stale, absent, offline);
    }

    /**
     * The feature words in table order: {@code handle_errors keep_serving (stale <leg> <ranges>)...
     * (absent <leg> <ranges>)... (offline <leg>)... throttle <group>}.
     */
    public List<String> words() {
        List<String> w = new ArrayList<>();
        if (handleErrors) {
            w.add("handle_errors");
        }
        if (keepServing) {
            w.add("keep_serving");
        }
        staleRanges.forEach((leg, ranges) -> w.addAll(List.of("stale", Integer.toString(leg), ranges)));
        absentRanges.forEach((leg, ranges) -> w.addAll(List.of("absent", Integer.toString(leg), ranges)));
        offlineLegs.forEach(leg -> w.addAll(List.of("offline", Integer.toString(leg))));
        if (throttleGroup != null) {
            w.addAll(List.of("throttle", throttleGroup));
        }
        return w;
    }

    private static boolean once(String feature, boolean seen) {
        if (seen) {
            throw new IllegalArgumentException("mirror: feature '" + feature + "' given twice");
        }
        return true;
    }

    private static String argument(List<String> words, int i, String feature, String what) {
        if (i >= words.size()) {
            throw new IllegalArgumentException("mirror: feature '" + feature + "' needs " + what
                    + " within <#features>");
        }
        return words.get(i);
    }

    private static int legIndex(String feature, String word, int legCount) {
        if (word.isEmpty() || word.length() > 2 || !word.chars().allMatch(Character::isDigit)
                || Integer.parseInt(word) >= legCount) {
            throw new IllegalArgumentException("mirror: feature '" + feature + "': leg must be 0.." + (legCount - 1)
                    + ", got '" + word + "'");
        }
        return Integer.parseInt(word);
    }
}
