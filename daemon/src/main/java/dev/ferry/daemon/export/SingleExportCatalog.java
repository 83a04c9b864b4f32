package dev.ferry.daemon.export;

import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ExportCatalog;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A catalog of exactly one export, which also answers the default (empty) export name. */
public final class SingleExportCatalog implements ExportCatalog {

    private final Export export;

    /** Offers {@code export} under its own name and under "". */
    public SingleExportCatalog(Export export) {
        this.export = Objects.requireNonNull(export, "export");
    }

    @Override
    public Optional<Export> find(String name) {
        return name.isEmpty() || name.equals(export.name()) ? Optional.of(export) : Optional.empty();
    }

    @Override
    public List<Export> list() {
        return List.of(export);
    }
}
