package io.picklebridge.client.containers;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.stream.Stream;

/**
 * The two images of the repository, built from their Dockerfiles the way {@code docker build -f
 * bridge-server/Dockerfile .} builds them (the repository root is the context), and the
 * conventions both share: the authkey secret at {@value #AUTHKEY_PATH}, port {@value #PORT}.
 *
 * <p>The build context holds only what the Dockerfiles copy (module poms and sources, the
 * docker/ folder, the Python package and examples), never anyone's {@code target*} output, so
 * it stays small on a shared checkout. When a Dockerfile starts copying something new, add it
 * here.
 *
 * <pre>{@code
 * GenericContainer<?> server = ContainerImages.withAuthkey(new GenericContainer<>(ContainerImages.serverImage()), key)
 *         .withExposedPorts(ContainerImages.PORT)
 *         .waitingFor(Wait.forHealthcheck());     // the image's own authenticated probe
 * }</pre>
 */
final class ContainerImages {
    /** Where compose {@code secrets:} mount the key, and where both images look for it. */
    static final String AUTHKEY_PATH = "/run/secrets/picklebridge_authkey";
    /** The port the server image listens on ({@code PICKLEBRIDGE_LISTEN=tcp://0.0.0.0:7341}). */
    static final int PORT = 7341;

    static final Path ROOT = repositoryRoot();

    private ContainerImages() {}

    /** The bridge-server image (built on first use, once per test JVM). */
    static ImageFromDockerfile serverImage() {
        return Images.SERVER;
    }

    /** The python-peer demo image (built on first use, once per test JVM). */
    static ImageFromDockerfile peerImage() {
        return Images.PEER;
    }

    /**
     * Holder, so that using {@link #ROOT} alone neither walks the sources nor touches Docker.
     * The images are kept after the tests, so a rebuild reuses the daemon's layer cache.
     * {@code withDockerfilePath} names the Dockerfile inside the context, which is what a root
     * context with per-module Dockerfiles needs ({@code withDockerfile(Path)} would make the
     * Dockerfile's own folder the context).
     */
    @SuppressWarnings("deprecation")
    private static final class Images {
        static final ImageFromDockerfile SERVER = context(
                new ImageFromDockerfile("picklebridge/bridge-server-it", false),
                List.of("pom.xml", ".dockerignore",
                        "bridge-pickle/pom.xml", "bridge-pickle/src",
                        "bridge-wire/pom.xml", "bridge-wire/src",
                        "bridge-server/pom.xml", "bridge-server/src", "bridge-server/docker", "bridge-server/Dockerfile",
                        "bridge-client/pom.xml", "python-peer/pom.xml"))
                .withDockerfilePath("bridge-server/Dockerfile");

        static final ImageFromDockerfile PEER = context(
                new ImageFromDockerfile("picklebridge/python-peer-it", false),
                List.of(".dockerignore", "python-peer/Dockerfile", "python-peer/picklebridge", "python-peer/examples"))
                .withDockerfilePath("python-peer/Dockerfile");
    }

    /** A new random key (hex text, so it also works as an env-file value). */
    static byte[] newAuthkey() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        StringBuilder hex = new StringBuilder();
        for (byte b : random) hex.append(String.format("%02x", b));
        return hex.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Copies the key into the container where a compose secret would be, readable by the
     * images' non-root user (a copy, not a bind mount, so the host file's owner does not matter).
     */
    static GenericContainer<?> withAuthkey(GenericContainer<?> container, byte[] key) {
        container.withCopyToContainer(Transferable.of(key, 0444), AUTHKEY_PATH);
        return container;
    }

    /** Writes {@code key} to a file readable by its owner only, on the host (for local clients). */
    static Path hostKeyFile(Path directory, byte[] key) throws IOException {
        Path file = directory.resolve("authkey");
        Files.write(file, key);
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        return file;
    }

    private static ImageFromDockerfile context(ImageFromDockerfile image, List<String> paths) {
        for (String relative : paths) {
            Path path = ROOT.resolve(relative);
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.walk(path)) {
                    files.filter(Files::isRegularFile).filter(ContainerImages::belongsInContext)
                            .forEach(file -> image.withFileFromPath(ROOT.relativize(file).toString(), file));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else if (Files.isRegularFile(path)) {
                image.withFileFromPath(relative, path);
            }
        }
        return image;
    }

    /** Mirrors .dockerignore: no build output, caches or bundled jars. */
    private static boolean belongsInContext(Path file) {
        for (Path part : ROOT.relativize(file)) {
            String name = part.toString();
            if (name.equals("target") || name.startsWith("target-") || name.equals("__pycache__")
                    || name.equals("_jar") || name.equals(".jqwik-database")) {
                return false;
            }
        }
        return !file.getFileName().toString().endsWith(".pyc");
    }

    private static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("bridge-server/Dockerfile"))
                    && Files.isRegularFile(candidate.resolve("docker-compose.yml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find the repository root above " + dir);
    }
}
