package dev.ferry.nbd.tls;

/**
 * Says why a TLS handshake failed in words a log reader can act on: the deepest cause (an expired certificate, a
 * certificate path that does not validate), since the outer exceptions of an OpenSSL engine only say that there was
 * a problem.
 */
public final class TlsFailures {
    private TlsFailures() {
    }

    /** Whether TLS raised {@code failure}: an {@link javax.net.ssl.SSLException} is in its cause chain. */
    public static boolean fromTls(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }

    /** The deepest cause of {@code failure}, as its class and message. */
    public static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }
}
