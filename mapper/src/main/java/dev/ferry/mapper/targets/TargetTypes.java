package dev.ferry.mapper.targets;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry of target types by name, consulted when a table line is parsed. {@link #standard()}
 * holds every type of this package; further types are added with {@link #with} (the {@code mirror} type needs a
 * copier, so {@link dev.ferry.mapper.DeviceMapper} adds it).
 */
public final class TargetTypes {

    private static final List<TargetType> STANDARD = List.of(
            LinearTarget.TYPE,
            StripedTarget.TYPE,
            ErrorTarget.TYPE,
            ZeroTarget.TYPE,
            DelayTarget.TYPE,
            FlakeyTarget.TYPE);

    private final Map<String, TargetType> byName;

    private TargetTypes(Map<String, TargetType> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** A registry of exactly {@code types}; names must be distinct. */
    public static TargetTypes of(List<TargetType> types) {
        Map<String, TargetType> m = new LinkedHashMap<>();
        for (TargetType t : types) {
            if (m.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("target type '" + t.name() + "' registered twice");
            }
        }
        return new TargetTypes(m);
    }

    /** linear, striped, error, zero, delay and flakey. */
    public static TargetTypes standard() {
        return of(STANDARD);
    }

    /** A registry with {@code type} added to these. */
    public TargetTypes with(TargetType type) {
        List<TargetType> all = new ArrayList<>(byName.values());
        all.add(type);
        return of(all);
    }

    /** The type called {@code name}. */
    public Optional<TargetType> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Registered type names, sorted. */
    public List<String> names() {
        return byName.keySet().stream().sorted().toList();
    }
}
