package dev.ferry.nbd.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and unencrypted private keys: PKCS#8 {@code PRIVATE KEY} (RSA, EC or Ed25519) or PKCS#1
 * {@code RSA PRIVATE KEY}, as certtool and older openssl write it. Errors name the file and what is wrong with it.
 */
public final class PemFiles {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");
    /** DER of the PKCS#8 AlgorithmIdentifier of rsaEncryption (OID 1.2.840.113549.1.1.1, NULL parameters). */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private PemFiles() {
    }

    /**
     * The certificates in {@code file}, in order (a chain: the leaf first).
     *
     * @throws IOException if the file is missing, unreadable, or holds no certificate
     */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        byte[] pem = read(file);
        try {
            List<X509Certificate> out = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)).stream().map(c -> (X509Certificate) c)
                    .toList();
            if (out.isEmpty()) {
                throw new IOException(file + " holds no certificate");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " is not a PEM X.509 certificate: " + e.getMessage(), e);
        }
    }

    /**
     * The first unencrypted private key in {@code file}.
     *
     * @throws IOException if the file is missing or unreadable, or holds no such key of a known algorithm
     */
    public static PrivateKey privateKey(Path file) throws IOException {
        Matcher m = PEM.matcher(new String(read(file), StandardCharsets.US_ASCII));
        while (m.find()) {
            String type = m.group(1);
            if (!type.equals("PRIVATE KEY") && !type.equals("RSA PRIVATE KEY")) {
                continue;
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            byte[] pkcs8 = type.equals("PRIVATE KEY") ? der : rsaPkcs8(der);
            for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                } catch (GeneralSecurityException notThisOne) {
                    // try the next algorithm
                }
            }
            throw new IOException(file + ": the " + type + " is neither RSA, EC nor Ed25519");
        }
        throw new IOException(file + " holds no unencrypted PEM private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE "
                + "KEY)");
    }

    /** A PKCS#1 RSAPrivateKey wrapped as PKCS#8: SEQUENCE { INTEGER 0, rsaEncryption, OCTET STRING pkcs1 }. */
    static byte[] rsaPkcs8(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = tlv(0x04, pkcs1);
        byte[] body = new byte[version.length + RSA_ALGORITHM.length + octets.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(RSA_ALGORITHM, 0, body, version.length, RSA_ALGORITHM.length);
        System.arraycopy(octets, 0, body, version.length + RSA_ALGORITHM.length, octets.length);
        return tlv(0x30, body);
    }

    /** A DER type-length-value with a definite length. */
    private static byte[] tlv(int tag, byte[] value) {
        int n = value.length;
        byte[] length = n < 0x80 ? new byte[] {(byte) n}
                : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
                : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        byte[] out = new byte[1 + length.length + n];
        out[0] = (byte) tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(value, 0, out, 1 + length.length, n);
        return out;
    }

    private static byte[] read(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("TLS file " + file + " is missing or unreadable");
        }
        return Files.readAllBytes(file);
    }
}
