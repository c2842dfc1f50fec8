package io.picklebridge.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * Reads and creates authkey files. A key file holds the raw key bytes, exactly what Python's
 * {@code open(path, "rb").read()} returns (a trailing newline is part of the key). Generated
 * keys are 32 random bytes in a file created readable and writable by its owner only (0600).
 *
 * <pre>{@code
 * Path file = Authkeys.generate();                 // e.g. /tmp/picklebridge-123.authkey
 * log.info("authkey written to {}", file);          // log the path, never the key
 * byte[] key = Authkeys.read(file);
 * }</pre>
 */
public final class Authkeys {
    /** Bytes in a generated key. */
    public static final int GENERATED_KEY_LENGTH = 32;
    /** Largest key file read (a key is a secret, not a document). */
    public static final int MAX_KEY_FILE_LENGTH = 64 * 1024;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private Authkeys() {}

    /**
     * Reads a key file's bytes as they are.
     *
     * @throws IOException when the file cannot be read, is empty or is larger than
     *                     {@value #MAX_KEY_FILE_LENGTH} bytes
     */
    public static byte[] read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_KEY_FILE_LENGTH) {
            throw new IOException("authkey file " + file + " is " + size + " bytes; at most "
                    + MAX_KEY_FILE_LENGTH + " expected");
        }
        byte[] key = Files.readAllBytes(file);
        if (key.length == 0) {
            throw new IOException("authkey file " + file + " is empty");
        }
        return key;
    }

    /** Creates a new key file with a random key in the temporary directory and returns its path. */
    public static Path generate() throws IOException {
        Path file = posix()
                ? Files.createTempFile("picklebridge-", ".authkey", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.createTempFile("picklebridge-", ".authkey");
        writeNewKey(file);
        return file;
    }

    /**
     * Creates {@code file} (which must not exist) holding a new random key, with mode 0600 from
     * the start, and returns it.
     */
    public static Path generate(Path file) throws IOException {
        FileAttribute<?>[] attributes = posix()
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        Files.createFile(file, attributes);
        writeNewKey(file);
        return file;
    }

    private static void writeNewKey(Path file) throws IOException {
        byte[] key = new byte[GENERATED_KEY_LENGTH];
        RANDOM.nextBytes(key);
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(key);
        }
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
