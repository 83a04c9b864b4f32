package dev.ferry.daemon.access;

import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.access.Grant;
import dev.ferry.nbd.access.NbdPeer;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules of an access-rules file, read again by {@link #reload()} (on SIGHUP): a file that no longer parses keeps
 * the rules in force and logs why. New negotiations see the new rules; connections already in transmission keep the
 * grant they got.
 */
public final class ReloadableAccess implements ExportAccess {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadableAccess.class);

    private final Path file;
    private volatile AccessRules rules;

    private ReloadableAccess(Path file, AccessRules rules) {
        this.file = file;
        this.rules = rules;
    }

    /** Reads {@code file} now; fails if it cannot be read or parsed. */
    public static ReloadableAccess load(Path file) throws AccessRulesException {
        AccessRules rules = AccessRules.load(file);
        LOG.info("NBD access: {} rules from {}; exports no rule grants are refused", rules.size(), file);
        return new ReloadableAccess(file, rules);
    }

    /** Reads the file again; returns whether the new rules are in force. */
    public boolean reload() {
        try {
            rules = AccessRules.load(file);
            LOG.info("NBD access: reloaded {} rules from {}", rules.size(), file);
            return true;
        } catch (AccessRulesException e) {
            LOG.error("NBD access: keeping the previous rules: {}", e.getMessage());
            return false;
        }
    }

    /** The rules in force. */
    public AccessRules rules() {
        return rules;
    }

    @Override
    public Grant grant(NbdPeer peer, String exportName) {
        return rules.grant(peer, exportName);
    }
}
