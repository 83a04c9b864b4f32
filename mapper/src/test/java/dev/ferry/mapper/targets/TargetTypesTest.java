package dev.ferry.mapper.targets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TargetTypesTest {

    @Test
    void standardHoldsEveryTypeOfThisPackage() {
        assertThat(TargetTypes.standard().names()).containsExactly("delay", "error", "flakey", "linear", "striped", "zero");
        assertThat(TargetTypes.standard().get("linear")).containsSame(LinearTarget.TYPE);
        assertThat(TargetTypes.standard().get("mirror")).isEmpty();
    }

    @Test
    void withAddsATypeAndRefusesDuplicates() {
        TargetType mirror = new TargetType() {
            @Override
            public String name() {
                return "mirror";
            }

            @Override
            public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
                return new ZeroTarget(lengthSectors);
            }
        };
        TargetTypes types = TargetTypes.standard().with(mirror);
        assertThat(types.get("mirror")).containsSame(mirror);
        assertThatThrownBy(() -> types.with(mirror)).hasMessage("target type 'mirror' registered twice");
        assertThat(TargetTypes.standard().get("mirror")).isEmpty();
    }
}
