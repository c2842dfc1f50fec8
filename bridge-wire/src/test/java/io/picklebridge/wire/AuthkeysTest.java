package io.picklebridge.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AuthkeysTest {
    @TempDir
    Path dir;

    @Test
    void generatesAnOwnerOnlyFileOfRandomBytes() throws IOException {
        Path file = Authkeys.generate(dir.resolve("key"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        byte[] key = Authkeys.read(file);
        assertEquals(Authkeys.GENERATED_KEY_LENGTH, key.length);
        assertFalse(java.util.Arrays.equals(key, Authkeys.read(Authkeys.generate(dir.resolve("key2")))));
        assertThrows(FileAlreadyExistsException.class, () -> Authkeys.generate(file));
    }

    @Test
    void generatesInTheTemporaryDirectory() throws IOException {
        Path file = Authkeys.generate();
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals(32, Files.size(file));
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void readsKeyBytesAsTheyAreAndRefusesEmptyOrHugeFiles() throws IOException {
        Path file = Files.write(dir.resolve("k"), "key\n".getBytes());
        assertArrayEquals("key\n".getBytes(), Authkeys.read(file));
        assertThrows(IOException.class, () -> Authkeys.read(Files.write(dir.resolve("empty"), new byte[0])));
        assertThrows(IOException.class, () -> Authkeys.read(Files.write(dir.resolve("big"), new byte[70_000])));
    }
}
