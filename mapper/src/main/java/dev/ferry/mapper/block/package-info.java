/** The asynchronous block device interface and its leaf implementations (files, block devices, memory). */
package dev.ferry.mapper.block;
