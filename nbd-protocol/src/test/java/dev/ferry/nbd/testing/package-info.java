/** Test doubles for the NBD server: an in-memory sparse export with fault and delay injection. */
package dev.ferry.nbd.testing;
