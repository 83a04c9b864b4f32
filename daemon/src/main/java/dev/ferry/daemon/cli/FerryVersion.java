package dev.ferry.daemon.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version recorded in the jar manifest, or "development" when run from classes. */
public final class FerryVersion implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = FerryVersion.class.getPackage().getImplementationVersion();
        return new String[] {"ferry " + (version == null ? "development" : version)};
    }
}
