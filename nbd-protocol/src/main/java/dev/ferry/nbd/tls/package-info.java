/**
 * TLS material shared by the NBD server and client: PEM certificates and keys as nbdkit, qemu and libnbd lay them out,
 * and the choice of TLS implementation (OpenSSL through netty-tcnative when it loads, else the JDK's).
 */
package dev.ferry.nbd.tls;
