package dev.ferry.daemon.access;

import dev.ferry.daemon.command.CommandFailure;
import dev.ferry.daemon.command.TlsOptions;
import dev.ferry.nbd.access.ExportAccess;
import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * The NBD access option of {@code ferry serve} and {@code ferry daemon}: {@code --access-rules FILE}, which clients
 * may open which exports and how (the grammar is {@link AccessRules}'s).
 */
public final class AccessOptions {
    @Option(names = "--access-rules", paramLabel = "FILE",
            description = "NBD access rules: which clients (address, uid/gid, certificate subject) may open which "
                + "exports, rw or ro; others are refused. Reloaded on SIGHUP. Without it, every client that reaches "
                + "the NBD socket may read and write every export.")
    Path rulesFile;

    /**
     * The access the options ask for: {@link ExportAccess#OPEN} without {@code --access-rules}; else the file's rules,
     * whose reload action is handed to {@code onHangup} (to run on every SIGHUP).
     *
     * @throws CommandFailure USAGE when the file cannot be read or parsed (naming the line), or names certificate
     *                        subjects while client certificates are not verified
     */
    public ExportAccess access(TlsOptions tls, Consumer<Runnable> onHangup) {
        if (rulesFile == null) {
            return ExportAccess.OPEN;
        }
        ReloadableAccess access;
        try {
            access = ReloadableAccess.load(rulesFile);
        } catch (AccessRulesException e) {
            throw CommandFailure.usage(e.getMessage());
        }
        if (access.rules().namesSubjects() && !tls.verifiesPeers()) {
            throw CommandFailure.usage(rulesFile + " names certificate subjects, which need --tls-verify-peer "
                + "(with --tls on or require)");
        }
        onHangup.accept(access::reload);
        return access;
    }
}
