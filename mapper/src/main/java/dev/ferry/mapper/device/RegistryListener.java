package dev.ferry.mapper.device;

/** Hears of mapped devices created in and removed from a {@link DeviceRegistry} (e.g. to add and drop meters). */
public interface RegistryListener {

    /** {@code device} was created (or existed when the listener was added). */
    void created(MappedDevice device);

    /** {@code device} was removed (its in-flight I/O may still be finishing); its name is free again. */
    void removed(MappedDevice device);
}
