package dev.ferry.daemon.access;

import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.access.Grant;
import dev.ferry.nbd.access.NbdPeer;
import dev.ferry.nbd.access.SubjectAltName;
import dev.ferry.mapper.nativeio.NativeIo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * The rules of an access-rules file, as the NBD server's {@link ExportAccess}: the first rule whose export pattern
 * and identity both match decides; when none does, the export is denied.
 *
 * <p>The file holds one rule per line, {@code EXPORT GRANT IDENTITY}, fields separated by blanks; a {@code #} at the
 * start of a line or after a blank starts a comment (in a subject, write such a {@code #} as {@code \#}), and blank
 * lines are ignored:
 * <ul>
 *   <li>EXPORT: an export name ({@code vg0/db}) or a glob ({@code vg0/*}, {@code *}; {@code *} is any run of
 *       characters, {@code ?} one character)</li>
 *   <li>GRANT: {@code rw}, {@code ro} or {@code deny}</li>
 *   <li>IDENTITY: {@code any}; {@code address IP} or {@code address IP/PREFIX} (TCP source address, IPv4 or IPv6);
 *       {@code uid N} or {@code gid N} (the numeric user or primary group of a Unix-socket peer);
 *       {@code user NAME} or {@code group NAME} (the same, named: resolved to ids with {@code getpwnam}/{@code getgrnam}
 *       when the file is loaded, so a user or group that does not exist then is an error; reload to pick up a
 *       renumbering); {@code subject DN} (the subject of a client certificate TLS verified, the rest of the line,
 *       written as {@code openssl x509 -noout -subject -nameopt RFC2253} prints it, e.g. {@code CN=backup,O=Example});
 *       or {@code san TYPE:VALUE} (a subject alternative name of such a certificate: {@code DNS:host.example},
 *       {@code email:ops@example}, {@code IP:192.0.2.7} or {@code URI:...}; DNS names and addresses compare without
 *       case)</li>
 * </ul>
 */
public final class AccessRules implements ExportAccess {

    private static final Pattern BLANKS = Pattern.compile("\\s+");
    private static final Pattern COMMENT = Pattern.compile("(^|\\s)#.*$");
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,10}");
    private static final Pattern IP_CHARACTERS = Pattern.compile("[0-9A-Fa-f:.]+");

    private final List<AccessRule> rules;

    private AccessRules(List<AccessRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Reads and parses the rules file {@code file}. */
    public static AccessRules load(Path file) throws AccessRulesException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AccessRulesException("cannot read access rules " + file + ": " + e, e);
        }
        return parse(text, file.toString());
    }

    /** Parses rules text; errors name {@code source} and the line. */
    public static AccessRules parse(String text, String source) throws AccessRulesException {
        List<AccessRule> rules = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = COMMENT.matcher(lines[i]).replaceFirst("").strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                rules.add(rule(line));
            } catch (IllegalArgumentException e) {
                throw new AccessRulesException(source + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return new AccessRules(rules);
    }

    private static AccessRule rule(String line) {
        String[] f = BLANKS.split(line, 4);
        if (f.length < 3) {
            throw new IllegalArgumentException("expected EXPORT GRANT IDENTITY, got '" + line + "'");
        }
        Grant grant = switch (f[1]) {
            case "rw" -> Grant.READ_WRITE;
            case "ro" -> Grant.READ_ONLY;
            case "deny" -> Grant.DENY;
            default -> throw new IllegalArgumentException("unknown grant '" + f[1] + "' (expected rw, ro or deny)");
        };
        String value = f.length == 4 ? f[3] : "";
        return new AccessRule(ExportPattern.of(f[0]), grant, identity(f[2], value));
    }

    private static PeerMatcher identity(String kind, String value) {
        if (!kind.equals("subject") && BLANKS.matcher(value).find()) {
            throw new IllegalArgumentException("'" + kind + "' takes one value, got '" + value + "'");
        }
        return switch (kind) {
            case "any" -> {
                if (!value.isEmpty()) {
                    throw new IllegalArgumentException("'any' takes no value, got '" + value + "'");
                }
                yield new PeerMatcher.Any();
            }
            case "address" -> address(required(kind, value));
            case "uid" -> new PeerMatcher.Uid(id(kind, required(kind, value)));
            case "gid" -> new PeerMatcher.Gid(id(kind, required(kind, value)));
            case "user" -> new PeerMatcher.Uid(named(kind, required(kind, value)));
            case "group" -> new PeerMatcher.Gid(named(kind, required(kind, value)));
            case "subject" -> subject(required(kind, value));
            case "san" -> new PeerMatcher.San(SubjectAltName.parse(required(kind, value)));
            default -> throw new IllegalArgumentException("unknown identity '" + kind
                    + "' (expected any, address, uid, gid, user, group, subject or san)");
        };
    }

    private static String required(String kind, String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("'" + kind + "' needs a value");
        }
        return value;
    }

    private static int id(String kind, String value) {
        if (!NUMBER.matcher(value).matches() || Long.parseLong(value) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(kind + " '" + value + "' is not a numeric id");
        }
        return Integer.parseInt(value);
    }

    /** The id of user or group {@code name} ({@code kind} says which), looked up now. */
    private static int named(String kind, String name) {
        OptionalInt id;
        try {
            id = kind.equals("user") ? NativeIo.get().userId(name) : NativeIo.get().groupId(name);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot look up " + kind + " '" + name + "': " + e.getMessage(), e);
        }
        if (id.isEmpty()) {
            throw new IllegalArgumentException("no " + kind + " named '" + name + "'");
        }
        return id.getAsInt();
    }

    private static PeerMatcher address(String value) {
        int slash = value.indexOf('/');
        String ip = slash < 0 ? value : value.substring(0, slash);
        // only literal addresses: a host name would be looked up in DNS, now and never again
        if (!IP_CHARACTERS.matcher(ip).matches() || !ip.contains(".") && !ip.contains(":")) {
            throw new IllegalArgumentException("address '" + value + "' is not an IP address or IP/PREFIX");
        }
        InetAddress network;
        try {
            network = InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address '" + value + "' is not an IP address or IP/PREFIX");
        }
        int bits = network.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = value.substring(slash + 1);
            if (!NUMBER.matcher(p).matches() || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("address '" + value + "': prefix must be 0-" + bits);
            }
            prefix = Integer.parseInt(p);
        }
        return new PeerMatcher.Address(network, prefix);
    }

    private static PeerMatcher subject(String value) {
        try {
            return new PeerMatcher.Subject(new X500Principal(value));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("subject '" + value + "' is not a distinguished name such as "
                    + "CN=backup,O=Example (" + e.getMessage() + ")");
        }
    }

    @Override
    public Grant grant(NbdPeer peer, String exportName) {
        for (AccessRule r : rules) {
            if (r.applies(peer, exportName)) {
                return r.grant();
            }
        }
        return Grant.DENY;
    }

    /** How many rules there are. */
    public int size() {
        return rules.size();
    }

    /** Whether any rule names a certificate subject or name (those need verified client certificates). */
    public boolean namesSubjects() {
        return rules.stream().anyMatch(r -> r.who() instanceof PeerMatcher.Subject || r.who() instanceof PeerMatcher.San);
    }
}
