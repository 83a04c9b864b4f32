/** The device-mapper entry point: {@link dev.ferry.mapper.DeviceMapper} wires types, copier and registry. */
package dev.ferry.mapper;
