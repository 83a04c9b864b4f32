package dev.ferry.daemon.access;

import dev.ferry.nbd.access.Grant;
import dev.ferry.nbd.access.NbdPeer;

/**
 * One line of a rules file: peers matching {@code who} get {@code grant} on exports matching {@code export}.
 *
 * @param export which exports
 * @param grant  what the peers may do
 * @param who    which peers
 */
record AccessRule(ExportPattern export, Grant grant, PeerMatcher who) {

    /** Whether this rule decides for {@code peer} opening {@code exportName}. */
    boolean applies(NbdPeer peer, String exportName) {
        return export.matches(exportName) && who.matches(peer);
    }
}
