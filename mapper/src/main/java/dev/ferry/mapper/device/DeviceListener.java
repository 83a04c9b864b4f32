package dev.ferry.mapper.device;

/** Receives a mapped device's events; called on the raising thread, so it must not block. */
@FunctionalInterface
public interface DeviceListener {

    /** Handles one event. */
    void onEvent(DeviceEvent event);
}
