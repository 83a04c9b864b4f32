package dev.ferry.mapper.device;

import dev.ferry.mapper.targets.Target;

/**
 * An event raised by a target of a device's table (dm's table event), e.g. a mirror leg failure.
 *
 * @param device      the device name
 * @param eventNumber the device's event number after this event
 * @param target      the target that raised it
 * @param reason      what happened
 */
public record DeviceEvent(String device, long eventNumber, Target target, String reason) {
}
