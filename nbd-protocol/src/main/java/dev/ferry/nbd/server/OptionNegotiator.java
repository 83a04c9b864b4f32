package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;

import dev.ferry.nbd.NbdNames;
import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.access.Grant;
import dev.ferry.nbd.access.NbdPeer;
import dev.ferry.nbd.access.SubjectAltName;
import dev.ferry.nbd.codec.ClientFlags;
import dev.ferry.nbd.codec.ExportNameReply;
import dev.ferry.nbd.codec.NegotiatedSession;
import dev.ferry.nbd.codec.OptionReply;
import dev.ferry.nbd.codec.OptionRequest;
import dev.ferry.nbd.codec.OversizedOption;
import dev.ferry.nbd.codec.ServerHandshakeMessage;
import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.export.ExportCatalog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The option-haggling state of one connection (spec "Option types"): decides the replies to every
 * option and when the connection enters transmission or closes. It is pure logic with no I/O.
 *
 * <p>States: AWAIT_CLIENT_FLAGS -(acceptable flags)-> OPTIONS -(GO/EXPORT_NAME)-> TRANSMISSION;
 * any state -(violation, ABORT)-> CLOSED. Calls in another state throw IllegalStateException.
 *
 * <p>Every export is checked against the {@link ExportAccess} for the peer as known at that moment (its certificate
 * subject counts once STARTTLS verified it): LIST leaves out denied exports, INFO, GO and the meta-context options
 * answer {@code NBD_REP_ERR_POLICY} for them, EXPORT_NAME closes the connection (it has no error reply), and a
 * read-only grant advertises {@code NBD_FLAG_READ_ONLY}, which makes the request validator refuse writes with EPERM.
 */
final class OptionNegotiator {

    private static final Logger LOG = LoggerFactory.getLogger(OptionNegotiator.class);

    /** Context id of {@code base:allocation} when selected. */
    static final int BASE_ALLOCATION_ID = 1;
    /**
     * Largest minimum block size a client is assumed to honour without asking (spec "Block size constraints":
     * interoperable clients constrain requests to 512 bytes; nbd-client and the kernel never ask).
     */
    static final int ASSUMED_MINIMUM_BLOCK = 512;
    /** The handshake flags the server offers. */
    static final int HANDSHAKE_FLAGS = NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES;

    /**
     * Negotiation states.
     *
     * <pre>
     * AWAIT_CLIENT_FLAGS ──flags──► OPTIONS ──GO / EXPORT_NAME──► TRANSMISSION
     *        │                         │                            │
     *        └────────────abort, bad flags, error──► CLOSED ◄───────┘
     * </pre>
     */
    enum State {
        /** Greeting sent; waiting for the client flags. */
        AWAIT_CLIENT_FLAGS,
        /** Haggling: one option at a time. */
        OPTIONS,
        /** An export was chosen; the transmission pipeline takes over. */
        TRANSMISSION,
        /** The connection is closing. */
        CLOSED;

        /** The states this state may move to. */
        Set<State> successors() {
            return switch (this) {
                case AWAIT_CLIENT_FLAGS -> EnumSet.of(OPTIONS, CLOSED);
                case OPTIONS -> EnumSet.of(TRANSMISSION, CLOSED);
                case TRANSMISSION -> EnumSet.of(CLOSED);
                case CLOSED -> EnumSet.noneOf(State.class);
            };
        }

        /**
         * Checks that this state may move to {@code next}.
         *
         * @throws IllegalStateException naming both states otherwise
         */
        void checkTransition(State next) {
            if (!successors().contains(next)) {
                throw new IllegalStateException("illegal negotiation transition " + this + " -> " + next);
            }
        }
    }

    private final ExportCatalog catalog;
    private final TlsMode tls;
    private final ExportAccess access;
    private NbdPeer peer;
    private State state = State.AWAIT_CLIENT_FLAGS;
    /** Whether STARTTLS succeeded on this connection. */
    private boolean tlsActive;
    private boolean noZeroes;
    private boolean structuredReplies;
    private boolean extendedHeaders;
    /** Export name the meta context selection was made for, or null if none is selected. */
    private String metaContextExport;
    /** The selected contexts by id (base:allocation as {@link #BASE_ALLOCATION_ID}), in id order. */
    private final Map<Integer, String> selected = new LinkedHashMap<>();

    OptionNegotiator(ExportCatalog catalog) {
        this(catalog, TlsMode.OFF);
    }

    OptionNegotiator(ExportCatalog catalog, TlsMode tls) {
        this(catalog, tls, ExportAccess.OPEN, NbdPeer.unknown());
    }

    OptionNegotiator(ExportCatalog catalog, TlsMode tls, ExportAccess access, NbdPeer peer) {
        this.catalog = catalog;
        this.tls = tls;
        this.access = access;
        this.peer = peer;
    }

    /**
     * Records that TLS is up after a STARTTLS, with the verified client certificate's subject and subject alternative
     * names if the client presented one: everything negotiated before it is forgotten (spec: a client must not rely
     * on it), so structured replies, extended headers and meta contexts are asked for again over TLS.
     */
    void onTlsEstablished(Optional<X500Principal> clientSubject, List<SubjectAltName> clientNames) {
        requireState(State.OPTIONS);
        peer = peer.withCertificate(clientSubject, clientNames);
        tlsActive = true;
        structuredReplies = false;
        extendedHeaders = false;
        metaContextExport = null;
        selected.clear();
    }

    State state() {
        return state;
    }

    /** Handles the client flags: unknown or unoffered flags close the connection (spec "Client flags"). */
    NegotiationStep onClientFlags(ClientFlags flags) {
        requireState(State.AWAIT_CLIENT_FLAGS);
        if ((flags.flags() & ~HANDSHAKE_FLAGS) != 0) {
            return closed();
        }
        noZeroes = (flags.flags() & NBD_FLAG_C_NO_ZEROES) != 0;
        transition(State.OPTIONS);
        return NegotiationStep.reply();
    }

    /** Handles an option whose data was too long to buffer (already being skipped). */
    NegotiationStep onOversizedOption(OversizedOption o) {
        requireState(State.OPTIONS);
        if (o.option() == NBD_OPT_EXPORT_NAME) {
            return closed();
        }
        return NegotiationStep.reply(OptionReply.error(o.option(), NBD_REP_ERR_TOO_BIG,
                "option data of " + o.length() + " bytes is too large"));
    }

    /** Handles one option request. */
    NegotiationStep onOption(OptionRequest req) {
        requireState(State.OPTIONS);
        int opt = req.option();
        byte[] data = req.data();
        if (tls == TlsMode.REQUIRE && !tlsActive && opt != NBD_OPT_STARTTLS && opt != NBD_OPT_ABORT) {
            return opt == NBD_OPT_EXPORT_NAME ? closed() : NegotiationStep.reply(OptionReply.error(opt,
                    NBD_REP_ERR_TLS_REQD, "this server requires TLS: send NBD_OPT_STARTTLS first"));
        }
        return switch (opt) {
            case NBD_OPT_EXPORT_NAME -> exportName(new String(data, StandardCharsets.UTF_8));
            case NBD_OPT_ABORT -> closed(OptionReply.ack(opt));
            case NBD_OPT_LIST -> data.length != 0 ? invalid(opt, "LIST takes no data") : list();
            case NBD_OPT_INFO, NBD_OPT_GO -> infoOrGo(opt, data);
            case NBD_OPT_STRUCTURED_REPLY -> structuredReply(data);
            case NBD_OPT_EXTENDED_HEADERS -> extendedHeaders(data);
            case NBD_OPT_LIST_META_CONTEXT, NBD_OPT_SET_META_CONTEXT -> metaContext(opt, data);
            case NBD_OPT_STARTTLS -> startTls(data);
            default -> NegotiationStep.reply(OptionReply.error(opt, NBD_REP_ERR_UNSUP,
                    NbdNames.option(opt) + " is not supported"));
        };
    }

    private NegotiationStep startTls(byte[] data) {
        int opt = NBD_OPT_STARTTLS;
        if (data.length != 0) {
            return invalid(opt, "STARTTLS takes no data");
        }
        if (tls == TlsMode.OFF) {
            return NegotiationStep.reply(OptionReply.error(opt, NBD_REP_ERR_UNSUP, "TLS is not enabled on this server"));
        }
        if (tlsActive) {
            return invalid(opt, "TLS is already on");
        }
        return NegotiationStep.startTls(OptionReply.ack(opt));
    }

    private NegotiationStep exportName(String name) {
        Optional<Export> export = catalog.find(name);
        Grant grant = export.isEmpty() ? Grant.DENY : grant(export.get());
        if (grant == Grant.DENY || extendedHeaders) {
            return closed();
        }
        NegotiatedSession session = session(export.get(), name, grant);
        transition(State.TRANSMISSION);
        return NegotiationStep.transmission(List.of(new ExportNameReply(session.exportSize(),
                session.transmissionFlags(), noZeroes)), export.get(), session);
    }

    private NegotiationStep list() {
        List<ServerHandshakeMessage> replies = new ArrayList<>();
        for (Export e : catalog.list()) {
            if (access.grant(peer, e.name()) == Grant.DENY) {
                continue;
            }
            replies.add(OptionReply.server(NBD_OPT_LIST, e.name(), e.description()));
        }
        replies.add(OptionReply.ack(NBD_OPT_LIST));
        return NegotiationStep.replies(replies);
    }

    private NegotiationStep infoOrGo(int opt, byte[] data) {
        OptionData.ExportQuery query;
        try {
            query = OptionData.parseExportQuery(data);
        } catch (OptionData.Malformed e) {
            return invalid(opt, e.getMessage());
        }
        Optional<Export> found = catalog.find(query.name());
        if (found.isEmpty()) {
            return NegotiationStep.reply(OptionReply.error(opt, NBD_REP_ERR_UNKNOWN,
                    "no export named '" + query.name() + "'"));
        }
        Export export = found.get();
        Grant grant = grant(export);
        if (grant == Grant.DENY) {
            return policy(opt, export);
        }
        if (opt == NBD_OPT_GO && export.blockSize().minimum() > ASSUMED_MINIMUM_BLOCK
                && !query.infoTypes().contains(NBD_INFO_BLOCK_SIZE)) {
            return NegotiationStep.reply(OptionReply.error(opt, NBD_REP_ERR_BLOCK_SIZE_REQD, "export '"
                    + export.name() + "' needs a minimum block size of " + export.blockSize().minimum()
                    + "; request NBD_INFO_BLOCK_SIZE"));
        }
        NegotiatedSession session = session(export, query.name(), grant);
        List<ServerHandshakeMessage> replies = new ArrayList<>(List.of(
                OptionReply.infoExport(opt, session.exportSize(), session.transmissionFlags()),
                OptionReply.infoName(opt, export.name()),
                OptionReply.infoDescription(opt, export.description()),
                OptionReply.infoBlockSize(opt, session.blockSize()),
                OptionReply.ack(opt)));
        if (opt == NBD_OPT_INFO) {
            return NegotiationStep.replies(replies);
        }
        transition(State.TRANSMISSION);
        return NegotiationStep.transmission(replies, export, session);
    }

    private NegotiationStep structuredReply(byte[] data) {
        int opt = NBD_OPT_STRUCTURED_REPLY;
        if (data.length != 0) {
            return invalid(opt, "STRUCTURED_REPLY takes no data");
        }
        if (extendedHeaders) {
            return NegotiationStep.reply(OptionReply.error(opt, NBD_REP_ERR_EXT_HEADER_REQD,
                    "extended headers already negotiated"));
        }
        if (structuredReplies) {
            return invalid(opt, "structured replies already negotiated");
        }
        structuredReplies = true;
        return NegotiationStep.reply(OptionReply.ack(opt));
    }

    private NegotiationStep extendedHeaders(byte[] data) {
        int opt = NBD_OPT_EXTENDED_HEADERS;
        if (data.length != 0) {
            return invalid(opt, "EXTENDED_HEADERS takes no data");
        }
        if (extendedHeaders) {
            return invalid(opt, "extended headers already negotiated");
        }
        extendedHeaders = true;
        structuredReplies = true;
        return NegotiationStep.reply(OptionReply.ack(opt));
    }

    private NegotiationStep metaContext(int opt, byte[] data) {
        boolean set = opt == NBD_OPT_SET_META_CONTEXT;
        if (set) {
            metaContextExport = null; // a SET replaces the selection, even when it fails
            selected.clear();
            if (!structuredReplies) {
                return invalid(opt, "SET_META_CONTEXT requires structured replies");
            }
        }
        OptionData.MetaContextQuery query;
        try {
            query = OptionData.parseMetaContextQuery(data);
        } catch (OptionData.Malformed e) {
            return invalid(opt, e.getMessage());
        }
        Optional<Export> export = catalog.find(query.exportName());
        if (export.isEmpty()) {
            return NegotiationStep.reply(OptionReply.error(opt, NBD_REP_ERR_UNKNOWN,
                    "no export named '" + query.exportName() + "'"));
        }
        if (grant(export.get()) == Grant.DENY) {
            return policy(opt, export.get());
        }
        List<String> offered = new ArrayList<>(List.of(BASE_ALLOCATION));
        offered.addAll(export.get().metaContexts());
        List<ServerHandshakeMessage> replies = new ArrayList<>();
        if (set) {
            selected.clear();
            int nextId = BASE_ALLOCATION_ID + 1;
            for (String name : offered) {
                if (query.queries().contains(name)) {
                    int id = name.equals(BASE_ALLOCATION) ? BASE_ALLOCATION_ID : nextId++;
                    selected.put(id, name);
                    replies.add(OptionReply.metaContext(opt, id, name));
                }
            }
            if (!selected.isEmpty()) {
                metaContextExport = query.exportName();
            }
        } else {
            for (String name : offered) {
                if (query.queries().isEmpty() || query.queries().stream().anyMatch(q -> lists(q, name))) {
                    replies.add(OptionReply.metaContext(opt, 0, name));
                }
            }
        }
        replies.add(OptionReply.ack(opt));
        return NegotiationStep.replies(replies);
    }

    /**
     * Whether LIST_META_CONTEXT query {@code q} lists context {@code name}: the exact name, or a namespace or
     * name prefix ending in a colon ({@code base:}, {@code qemu:}, {@code qemu:dirty-bitmap:}) lists every
     * context under it.
     */
    private static boolean lists(String q, String name) {
        return q.equals(name) || (q.endsWith(":") && name.startsWith(q));
    }

    private NegotiatedSession session(Export export, String requestedName, Grant grant) {
        boolean contextSelected = metaContextExport != null && metaContextExport.equals(requestedName);
        Map<Integer, String> exportContexts = new LinkedHashMap<>();
        if (contextSelected) {
            selected.forEach((id, name) -> {
                if (id != BASE_ALLOCATION_ID) {
                    exportContexts.put(id, name);
                }
            });
        }
        ExportCapabilities capabilities = grant == Grant.READ_ONLY ? export.capabilities().asReadOnly()
                : export.capabilities();
        return new NegotiatedSession(export.size(), TransmissionFlags.of(capabilities, structuredReplies),
                structuredReplies, extendedHeaders,
                contextSelected && selected.containsKey(BASE_ALLOCATION_ID) ? OptionalInt.of(BASE_ALLOCATION_ID)
                        : OptionalInt.empty(), export.blockSize(), exportContexts);
    }

    /** What the peer may do with {@code export}; refusals are logged, as they may be attacks. */
    private Grant grant(Export export) {
        Grant grant = access.grant(peer, export.name());
        if (grant == Grant.DENY) {
            LOG.info("NBD peer {} refused export '{}' by access rules", peer.describe(), export.name());
        }
        return grant;
    }

    private NegotiationStep policy(int opt, Export export) {
        return NegotiationStep.reply(OptionReply.error(opt, NBD_REP_ERR_POLICY,
                "access to export '" + export.name() + "' is not granted to this client"));
    }

    private NegotiationStep invalid(int opt, String message) {
        return NegotiationStep.reply(OptionReply.error(opt, NBD_REP_ERR_INVALID, message));
    }

    private NegotiationStep closed(ServerHandshakeMessage... replies) {
        transition(State.CLOSED);
        return NegotiationStep.close(replies);
    }

    private void requireState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("negotiation is " + state + ", expected " + expected);
        }
    }

    private void transition(State to) {
        state.checkTransition(to);
        state = to;
    }
}
