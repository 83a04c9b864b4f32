package dev.ferry.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing of control endpoints and the refusal of anything reachable from other hosts. */
class ControlEndpointTest {
    @Test
    void pathsAreUnixSocketsMadeAbsolute() {
        assertThat(ControlEndpoint.parse("/run/ferry/control.sock"))
            .isEqualTo(new ControlEndpoint.UnixSocket(Path.of("/run/ferry/control.sock")));
        assertThat(ControlEndpoint.parse("unix:/a/b:c.sock"))
            .isEqualTo(new ControlEndpoint.UnixSocket(Path.of("/a/b:c.sock")));
        assertThat(ControlEndpoint.parse("control.sock"))
            .isEqualTo(new ControlEndpoint.UnixSocket(Path.of("control.sock").toAbsolutePath()));
    }

    @Test
    void loopbackHostPortsAreTcp() {
        assertThat(ControlEndpoint.parse("127.0.0.1:7000").describe()).isEqualTo("127.0.0.1:7000");
        assertThat(ControlEndpoint.parse("127.1.2.3:0").describe()).isEqualTo("127.1.2.3:0");
        assertThat(ControlEndpoint.parse("localhost:7000").describe()).isEqualTo("127.0.0.1:7000");
        assertThat(ControlEndpoint.parse("[::1]:7000").describe()).isEqualTo("[0:0:0:0:0:0:0:1]:7000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0:7000", "10.0.0.1:7000", "192.168.1.5:80", "[::]:7000", "example.com:7000",
        "[2001:db8::1]:7000"})
    void nonLoopbackAddressesAreRefused(String text) {
        assertThatThrownBy(() -> ControlEndpoint.parse(text)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("control endpoint " + text + " is not a loopback address: the control API must never be"
                + " reachable from other hosts; use 127.0.0.1:PORT, [::1]:PORT, localhost:PORT or a Unix socket path");
    }

    @Test
    void malformedEndpointsGetPreciseMessages() {
        assertThatThrownBy(() -> ControlEndpoint.parse(" ")).hasMessageStartingWith("control endpoint is empty");
        assertThatThrownBy(() -> ControlEndpoint.parse("127.0.0.1:70000"))
            .hasMessage("invalid port '70000' in control endpoint '127.0.0.1:70000': expected 0..65535");
        assertThatThrownBy(() -> ControlEndpoint.parse("127.0.0.1:http"))
            .hasMessage("invalid port 'http' in control endpoint '127.0.0.1:http': expected 0..65535");
        assertThatThrownBy(() -> ControlEndpoint.parse("a:b:c")).hasMessageStartingWith("invalid control endpoint 'a:b:c'");
        String longPath = "/" + "x".repeat(107) + ".sock";
        assertThatThrownBy(() -> ControlEndpoint.parse(longPath))
            .hasMessage("control socket path is too long (113 bytes, the kernel allows 107): " + longPath);
    }
}
