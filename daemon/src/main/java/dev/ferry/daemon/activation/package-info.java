/** Activation: LVs become device-mapper tables, mapped devices and NBD exports, kept in step with the metadata. */
package dev.ferry.daemon.activation;
