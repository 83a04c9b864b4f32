package dev.ferry.mapper.device;

import static dev.ferry.mapper.device.DeviceState.ACTIVE;
import static dev.ferry.mapper.device.DeviceState.REMOVED;
import static dev.ferry.mapper.device.DeviceState.REPLACING;
import static dev.ferry.mapper.device.DeviceState.SUSPENDED;
import static dev.ferry.mapper.device.DeviceState.SUSPENDING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeviceStateTest {

    /** The diagram of {@link DeviceState}, written out edge by edge. */
    private static final Map<DeviceState, Set<DeviceState>> DIAGRAM = Map.of(
            ACTIVE, EnumSet.of(SUSPENDING, REPLACING, REMOVED),
            SUSPENDING, EnumSet.of(SUSPENDED, ACTIVE),
            SUSPENDED, EnumSet.of(ACTIVE, REMOVED),
            REPLACING, EnumSet.of(ACTIVE, REMOVED),
            REMOVED, EnumSet.noneOf(DeviceState.class));

    @Test
    void successorsAreTheDiagram() {
        for (DeviceState s : DeviceState.values()) {
            assertThat(s.successors()).as("successors of %s", s).isEqualTo(DIAGRAM.get(s));
        }
    }

    @Test
    void everyLegalTransitionIsAcceptedAndEveryIllegalOneNamesTheDeviceAndBothStates() {
        int legal = 0;
        int illegal = 0;
        for (DeviceState from : DeviceState.values()) {
            for (DeviceState to : DeviceState.values()) {
                if (DIAGRAM.get(from).contains(to)) {
                    assertThatCode(() -> from.checkTransition(to, "d")).doesNotThrowAnyException();
                    legal++;
                } else {
                    assertThatThrownBy(() -> from.checkTransition(to, "d"))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessage("device 'd': illegal transition " + from + " -> " + to);
                    illegal++;
                }
            }
        }
        assertThat(legal).isEqualTo(9);
        assertThat(illegal).isEqualTo(16);
    }

    @Test
    void removedIsTheOnlyTerminalStateAndEveryStateIsReachableFromActive() {
        Set<DeviceState> reached = EnumSet.of(ACTIVE);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (DeviceState s : EnumSet.copyOf(reached)) {
                grew |= reached.addAll(s.successors());
            }
        }
        assertThat(reached).containsExactlyInAnyOrder(DeviceState.values());
        for (DeviceState s : DeviceState.values()) {
            assertThat(s.successors().isEmpty()).as("%s terminal", s).isEqualTo(s == REMOVED);
        }
    }
}
