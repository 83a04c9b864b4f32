/**
 * The access-control port of the NBD server: who a connected peer is ({@link dev.ferry.nbd.access.NbdPeer}) and
 * whether it may open an export, read-write or read-only ({@link dev.ferry.nbd.access.ExportAccess}); the server asks,
 * the application that runs it answers.
 */
package dev.ferry.nbd.access;
