package dev.ferry.nbd.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Checks a state enum against the diagram a test writes out: every state's successors are the diagram's edges,
 * each edge passes the enum's checked transition, and every other pair throws {@link IllegalStateException} with
 * the message that names both states.
 */
public final class TransitionTable {
    private TransitionTable() {
    }

    /**
     * Asserts that {@code successors} and {@code check} agree with {@code diagram} for every pair of
     * {@code states}, and that an illegal move's message is {@code message.apply(from, to)}.
     */
    public static <S extends Enum<S>> void assertMatches(S[] states, Map<S, Set<S>> diagram,
            Function<S, Set<S>> successors, BiConsumer<S, S> check, BiFunction<S, S, String> message) {
        for (S from : states) {
            assertThat(successors.apply(from)).as(from.name()).isEqualTo(diagram.get(from));
            for (S to : states) {
                if (diagram.get(from).contains(to)) {
                    assertThatCode(() -> check.accept(from, to)).as(from + " -> " + to).doesNotThrowAnyException();
                } else {
                    assertThatThrownBy(() -> check.accept(from, to)).as(from + " -> " + to)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessage(message.apply(from, to));
                }
            }
        }
    }
}
