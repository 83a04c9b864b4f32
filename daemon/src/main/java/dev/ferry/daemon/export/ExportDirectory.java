package dev.ferry.daemon.export;

import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ExportCatalog;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A thread-safe, changing {@link ExportCatalog}: exports are published and withdrawn while the server runs;
 * a client negotiating sees the set of that moment, and clients already attached keep their export object.
 * There is no default export (the empty name finds nothing). Lists are sorted by name.
 */
public final class ExportDirectory implements ExportCatalog {
    private final ConcurrentSkipListMap<String, Export> exports = new ConcurrentSkipListMap<>();

    /**
     * Publishes {@code export} under its name.
     *
     * @throws IllegalArgumentException if the name is empty or taken
     */
    public void publish(Export export) {
        String name = export.name();
        if (name.isEmpty()) {
            throw new IllegalArgumentException("an export needs a non-empty name");
        }
        if (exports.putIfAbsent(name, export) != null) {
            throw new IllegalArgumentException("export '" + name + "' already exists");
        }
    }

    /** Withdraws {@code export} if this very object is published under its name; returns whether it was. */
    public boolean withdraw(Export export) {
        boolean[] removed = new boolean[1];
        exports.computeIfPresent(export.name(), (name, current) -> {
            removed[0] = current == export;
            return removed[0] ? null : current;
        });
        return removed[0];
    }

    @Override
    public Optional<Export> find(String name) {
        return name.isEmpty() ? Optional.empty() : Optional.ofNullable(exports.get(name));
    }

    @Override
    public List<Export> list() {
        return List.copyOf(exports.values());
    }
}
