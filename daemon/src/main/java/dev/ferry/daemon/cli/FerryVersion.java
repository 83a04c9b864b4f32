package dev.ferry.daemon.cli;

import dev.ferry.daemon.process.BuildInfo;
import picocli.CommandLine.IVersionProvider;

/** Reports the version of this build for {@code --version}. */
public final class FerryVersion implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {"ferry " + BuildInfo.version()};
    }
}
