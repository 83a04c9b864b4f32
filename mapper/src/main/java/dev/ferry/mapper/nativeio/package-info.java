/**
 * The only bridge to native Linux calls (through jnr-ffi): fallocate, lseek holes, block-device ioctls and
 * fadvise, with errno turned into typed {@link dev.ferry.mapper.nativeio.NativeIoException}s.
 */
package dev.ferry.mapper.nativeio;
