/** The service-provider interface through which the NBD server reads and writes an export's storage. */
package dev.ferry.nbd.export;
