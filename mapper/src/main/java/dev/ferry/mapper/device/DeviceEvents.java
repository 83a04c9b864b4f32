package dev.ferry.mapper.device;

import dev.ferry.mapper.targets.Target;
import dev.ferry.mapper.targets.TargetEvents;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A mapped device's event number and listeners: the {@link TargetEvents} sink its tables attach to. */
final class DeviceEvents implements TargetEvents {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceEvents.class);

    private final String device;
    private final AtomicLong number = new AtomicLong();
    private final List<DeviceListener> listeners = new CopyOnWriteArrayList<>();

    DeviceEvents(String device) {
        this.device = device;
    }

    @Override
    public void raise(Target target, String reason) {
        DeviceEvent event = new DeviceEvent(device, number.incrementAndGet(), target, reason);
        for (DeviceListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("device '{}': event listener failed on {}", device, event, e);
            }
        }
    }

    long number() {
        return number.get();
    }

    void add(DeviceListener listener) {
        listeners.add(listener);
    }

    void remove(DeviceListener listener) {
        listeners.remove(listener);
    }
}
