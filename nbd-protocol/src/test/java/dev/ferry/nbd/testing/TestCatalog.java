package dev.ferry.nbd.testing;

import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ExportCatalog;
import java.util.List;
import java.util.Optional;

/** A fixed catalog for tests; the empty name selects the first export. */
public final class TestCatalog implements ExportCatalog {

    private final List<Export> exports;

    /** A catalog of {@code exports}, in list order. */
    public TestCatalog(Export... exports) {
        this.exports = List.of(exports);
    }

    @Override
    public Optional<Export> find(String name) {
        if (name.isEmpty()) {
            return exports.stream().findFirst();
        }
        return exports.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    @Override
    public List<Export> list() {
        return exports;
    }
}
