package dev.ferry.nbd.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A subject alternative name of a client certificate, normalised so that equal names compare equal: DNS names and
 * e-mail addresses in lower case, IP addresses in their canonical text form, URIs as they are. Written as openssl
 * prints them: {@code DNS:backup.example}, {@code email:ops@example}, {@code IP:192.0.2.7}, {@code URI:spiffe://x}.
 *
 * @param kind  what kind of name
 * @param value the name, normalised
 */
public record SubjectAltName(Kind kind, String value) {
    private static final Pattern IP_CHARACTERS = Pattern.compile("[0-9A-Fa-f:.]+");

    /** The kinds of name Ferry matches, with their X.509 {@code GeneralName} tags. */
    public enum Kind {
        /** rfc822Name. */
        EMAIL("email", 1),
        /** dNSName. */
        DNS("DNS", 2),
        /** uniformResourceIdentifier. */
        URI("URI", 6),
        /** iPAddress. */
        IP("IP", 7);

        private final String label;
        private final int tag;

        Kind(String label, int tag) {
            this.label = label;
            this.tag = tag;
        }
    }

    /** Normalises the value. */
    public SubjectAltName {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        value = switch (kind) {
            case DNS, EMAIL -> value.toLowerCase(Locale.ROOT);
            case IP -> canonicalIp(value);
            case URI -> value;
        };
    }

    /**
     * Parses {@code TYPE:VALUE} ({@code DNS}, {@code email}, {@code IP} or {@code URI}, the type in any case).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static SubjectAltName parse(String text) {
        int colon = text.indexOf(':');
        String type = colon < 0 ? "" : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        for (Kind k : Kind.values()) {
            if (k.label.equalsIgnoreCase(type)) {
                if (value.isEmpty()) {
                    throw new IllegalArgumentException("'" + text + "' names no " + k.label);
                }
                return new SubjectAltName(k, value);
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not DNS:NAME, email:ADDRESS, IP:ADDRESS or URI:URI");
    }

    /** The names of {@code certificate} of the kinds above (others, such as directory names, are left out). */
    public static List<SubjectAltName> of(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return List.of();
        }
        List<SubjectAltName> out = new ArrayList<>();
        for (List<?> name : names == null ? List.<List<?>>of() : names) {
            for (Kind k : Kind.values()) {
                if (name.get(0) instanceof Integer tag && tag == k.tag && name.get(1) instanceof String v) {
                    out.add(new SubjectAltName(k, v));
                }
            }
        }
        return List.copyOf(out);
    }

    private static String canonicalIp(String ip) {
        // only literal addresses: a host name would be looked up in DNS
        if (!IP_CHARACTERS.matcher(ip).matches() || !ip.contains(".") && !ip.contains(":")) {
            throw new IllegalArgumentException("'" + ip + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(ip).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + ip + "' is not an IP address", e);
        }
    }

    @Override
    public String toString() {
        return kind.label + ":" + value;
    }
}
