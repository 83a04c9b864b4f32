/** Mapped devices (live and inactive tables, suspend/load/resume) and the registry that names them. */
package dev.ferry.mapper.device;
