import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container's health probe: connects to the server in the same container the way a Python
 * client does, proves it holds the authkey (and that the server does), then sends a protocol
 * {@code ping} (answered by the event loop) and calls {@code sys.ping} (run by the worker
 * pool). Exit status 0 means "accepting, authenticating, decoding, dispatching and replying";
 * anything else prints one line saying which step failed and exits 1.
 *
 * <pre>
 * java -cp bridge-server.jar:healthcheck HealthCheck
 *   PICKLEBRIDGE_LISTEN        tcp://0.0.0.0:7341 -> probes 127.0.0.1:7341
 *   PICKLEBRIDGE_AUTHKEY       the key itself (env file), else
 *   PICKLEBRIDGE_AUTHKEY_FILE  the key file (default /run/secrets/picklebridge_authkey)
 * </pre>
 *
 * It uses only the JDK and the jar's public codec, so it runs in a JRE image without Python.
 * The handshake follows docs/protocol.md section 3 (client side: answer, then deliver).
 */
public final class HealthCheck {
    private static final byte[] CHALLENGE = ascii("#CHALLENGE#");
    private static final byte[] WELCOME = ascii("#WELCOME#");
    private static final byte[] FAILURE = ascii("#FAILURE#");
    private static final int MAX_HANDSHAKE_FRAME = 256;
    private static final int MAX_REPLY_FRAME = 1 << 20;
    private static final Map<String, String> MACS = Map.of(
            "md5", "HmacMD5", "sha256", "HmacSHA256", "sha384", "HmacSHA384",
            "sha3_256", "HmacSHA3-256", "sha3_384", "HmacSHA3-384");
    private static final String DEFAULT_LISTEN = "tcp://0.0.0.0:7341";
    private static final String DEFAULT_KEY_FILE = "/run/secrets/picklebridge_authkey";

    private HealthCheck() {}

    public static void main(String[] args) {
        try {
            InetSocketAddress address = probeAddress(env("PICKLEBRIDGE_LISTEN", DEFAULT_LISTEN));
            probe(address, authkey());
            System.out.println("healthy: " + address.getHostString() + ":" + address.getPort());
            System.exit(0);
        } catch (Exception e) {
            System.out.println("unhealthy: " + e.getMessage());
            System.exit(1);
        }
    }

    /** The address to probe for a listen address: a wildcard host means this container's loopback. */
    static InetSocketAddress probeAddress(String listen) {
        if (!listen.startsWith("tcp://")) throw new IllegalArgumentException("PICKLEBRIDGE_LISTEN must be tcp://HOST:PORT, got " + listen);
        String rest = listen.substring("tcp://".length());
        int colon = rest.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("no port in " + listen);
        String host = rest.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(rest.substring(colon + 1));
        if (host.isEmpty() || host.equals("0.0.0.0")) host = "127.0.0.1";
        if (host.equals("::")) host = "::1";
        return new InetSocketAddress(host, port);
    }

    private static byte[] authkey() throws IOException {
        String key = System.getenv("PICKLEBRIDGE_AUTHKEY");
        if (key != null && !key.isEmpty()) return key.getBytes(StandardCharsets.UTF_8);
        Path file = Path.of(env("PICKLEBRIDGE_AUTHKEY_FILE", DEFAULT_KEY_FILE));
        if (!Files.isReadable(file)) throw new IOException("authkey file " + file + " is missing or unreadable");
        return Files.readAllBytes(file);
    }

    /** Runs the whole exchange; throws with a one-line reason at the first step that fails. */
    static void probe(InetSocketAddress address, byte[] authkey) throws IOException, GeneralSecurityException {
        PickleCodec codec = PickleCodec.defaults();
        try (Socket socket = new Socket()) {
            try {
                socket.connect(address, 3_000);
            } catch (IOException e) {
                throw new IOException("cannot connect to " + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage(), e);
            }
            socket.setSoTimeout(8_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());

            answerChallenge(in, out, authkey);
            deliverChallenge(in, out, authkey);

            writeFrame(out, codec.dumps(PyTuple.of("ping", "healthcheck")));
            List<?> pong = (List<?>) codec.loads(readFrame(in, MAX_REPLY_FRAME));
            if (!pong.equals(PyTuple.of("pong", "healthcheck"))) throw new IOException("unexpected reply to ping: " + pong);

            writeFrame(out, codec.dumps(PyTuple.of("call", 1L, "sys.ping", PyTuple.empty(), new LinkedHashMap<>())));
            List<?> reply = (List<?>) codec.loads(readFrame(in, MAX_REPLY_FRAME));
            if (reply.isEmpty() || !"result".equals(reply.get(0))) throw new IOException("sys.ping failed: " + reply);

            writeFrame(out, codec.dumps(PyTuple.of("bye")));
        }
    }

    private static void answerChallenge(DataInputStream in, DataOutputStream out, byte[] key)
            throws IOException, GeneralSecurityException {
        byte[] frame = readFrame(in, MAX_HANDSHAKE_FRAME);
        if (!startsWith(frame, CHALLENGE)) throw new IOException("server sent no #CHALLENGE# (is it an authenticated picklebridge port?)");
        byte[] message = Arrays.copyOfRange(frame, CHALLENGE.length, frame.length);
        String digest = digestName(message);
        byte[] response = digest.isEmpty()
                ? hmac("md5", key, message)
                : concat(ascii("{" + digest + "}"), hmac(digest, key, message));
        writeFrame(out, response);
        byte[] verdict = readFrame(in, MAX_HANDSHAKE_FRAME);
        if (!Arrays.equals(verdict, WELCOME)) throw new IOException("authkey refused by the server (wrong key?)");
    }

    private static void deliverChallenge(DataInputStream in, DataOutputStream out, byte[] key)
            throws IOException, GeneralSecurityException {
        byte[] nonce = new byte[40];
        new SecureRandom().nextBytes(nonce);
        byte[] message = concat(ascii("{sha256}"), nonce);
        writeFrame(out, concat(CHALLENGE, message));
        byte[] response = readFrame(in, MAX_HANDSHAKE_FRAME);
        byte[] expected = response.length == 16
                ? hmac("md5", key, message)
                : concat(ascii("{" + digestName(response) + "}"), hmac(digestName(response), key, message));
        if (!MessageDigest.isEqual(response, expected)) {
            writeFrame(out, FAILURE);
            throw new IOException("the server does not hold our authkey");
        }
        writeFrame(out, WELCOME);
    }

    /** "sha256" for a message starting "{sha256}", "" for a legacy message without a prefix. */
    private static String digestName(byte[] message) throws IOException {
        if (message.length == 0 || message[0] != '{') return "";
        int end = 1;
        while (end < message.length && end < 12 && message[end] != '}') end++;
        if (end >= message.length || message[end] != '}') throw new IOException("malformed digest prefix in handshake");
        String name = new String(message, 1, end - 1, StandardCharsets.US_ASCII);
        if (!MACS.containsKey(name)) throw new IOException("unsupported handshake digest " + name);
        return name;
    }

    private static byte[] hmac(String digest, byte[] key, byte[] message) throws GeneralSecurityException {
        String algorithm = MACS.get(digest);
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(key, algorithm));
        return mac.doFinal(message);
    }

    private static byte[] readFrame(DataInputStream in, int max) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > max) throw new IOException("frame of " + length + " bytes, expected at most " + max);
        byte[] payload = new byte[length];
        in.readFully(payload);
        return payload;
    }

    private static void writeFrame(DataOutputStream out, byte[] payload) throws IOException {
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }
}
