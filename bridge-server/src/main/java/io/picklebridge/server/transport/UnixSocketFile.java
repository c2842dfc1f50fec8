package io.picklebridge.server.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The socket file of a Unix listener: before binding, a stale file (left by a server that died;
 * nobody accepts on it) is removed, while a live one is an "already in use" error; after
 * binding the file is made readable and writable by the owner only (0600).
 *
 * <pre>{@code
 * UnixSocketFile.prepare(path);        // IOException "already in use" if a server answers there
 * bind(path);
 * UnixSocketFile.restrict(path);       // chmod 0600
 * }</pre>
 */
final class UnixSocketFile {
    private static final Logger log = LoggerFactory.getLogger(UnixSocketFile.class);

    private UnixSocketFile() {}

    static void prepare(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) return;
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isOther()) {
            throw new IOException(path + " exists and is not a socket; refusing to replace it");
        }
        if (answers(path)) {
            throw new IOException("unix socket " + path + " is already in use by a running server");
        }
        Files.deleteIfExists(path);
        log.info("removed stale socket file {}", path);
    }

    private static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return probe.isConnected();
        } catch (SocketException refused) {
            return false;
        } catch (IOException other) {
            return false;
        }
    }

    static void restrict(Path path) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            log.debug("cannot restrict {}: not a POSIX file system", path);
        }
    }
}
