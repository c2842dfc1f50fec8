package io.picklebridge.server.transport;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ListenAddressTest {
    @Test
    void parsesTcpDefaultingToLoopback() {
        assertEquals(ListenAddress.tcp("127.0.0.1", 7341), ListenAddress.parse("tcp://127.0.0.1:7341"));
        assertEquals(ListenAddress.tcp("127.0.0.1", 0), ListenAddress.parse("tcp://:0"));
        assertEquals(ListenAddress.tcp("127.0.0.1", 9), ListenAddress.parse("9"));
        assertEquals(ListenAddress.tcp("0.0.0.0", 80), ListenAddress.parse("tcp://0.0.0.0:80"));
        assertEquals(ListenAddress.tcp("::1", 80), ListenAddress.parse("tcp://[::1]:80"));
        assertEquals("tcp://[::1]:80", ListenAddress.parse("tcp://[::1]:80").toString());
    }

    @Test
    void parsesUnixPaths() {
        assertEquals(ListenAddress.unix(Path.of("/tmp/pb.sock")), ListenAddress.parse("unix:///tmp/pb.sock"));
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("unix://relative.sock"));
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("tcp://host:port"));
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("tcp://host:70000"));
    }
}
