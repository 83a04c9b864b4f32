package dev.ferry.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ListenAddressArgumentTest {

    @Test
    void parsesIpv4Ipv6AndNames() {
        InetSocketAddress v4 = ListenAddressArgument.parse("127.0.0.1:10809");
        assertThat(v4.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(v4.getPort()).isEqualTo(10809);
        InetSocketAddress v6 = ListenAddressArgument.parse("[::1]:0");
        assertThat(v6.getAddress().isLoopbackAddress()).isTrue();
        assertThat(v6.getPort()).isZero();
        assertThat(ListenAddressArgument.parse("localhost:65535").getAddress().isLoopbackAddress()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "127.0.0.1", "127.0.0.1:", ":10809", "127.0.0.1:abc", "::1:10809", "127.0.0.1:123456"})
    void rejectsMalformedAddresses(String text) {
        assertThatThrownBy(() -> ListenAddressArgument.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid listen address '" + text + "': expected HOST:PORT");
    }

    @Test
    void rejectsPortsOutOfRangeAndUnknownHosts() {
        assertThatThrownBy(() -> ListenAddressArgument.parse("127.0.0.1:65536"))
                .hasMessageContaining("port 65536 is not in 0-65535");
        assertThatThrownBy(() -> ListenAddressArgument.parse("no-such-host.invalid:1"))
                .hasMessageContaining("unknown host 'no-such-host.invalid'");
    }
}
