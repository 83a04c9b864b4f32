/** Server-direction NBD wire messages (immutable records) and the Netty codecs that frame them. */
package dev.ferry.nbd.codec;
