package io.picklebridge.wire;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;

/**
 * The byte-level rules of {@code multiprocessing.connection}'s authkey challenge-response, as
 * in CPython 3.12+ ({@code deliver_challenge}, {@code answer_challenge}, {@code _create_response},
 * {@code _verify_challenge}), which stay compatible with 3.6-3.11 peers that only know raw
 * HMAC-MD5. Pure functions; the Netty state machine is {@link AuthkeyHandshakeHandler}.
 *
 * <pre>
 * challenge frame:  "#CHALLENGE#" + message,   message = "{sha256}" + 40 random bytes
 * response frame:   "{sha256}" + HMAC-SHA256(authkey, message)         (3.12+)
 *               or  HMAC-MD5(authkey, message), 16 raw bytes            (3.6 - 3.11)
 * verdict frame:    "#WELCOME#" or "#FAILURE#"
 * </pre>
 */
final class AuthkeyHandshake {
    static final byte[] CHALLENGE = ascii("#CHALLENGE#");
    static final byte[] WELCOME = ascii("#WELCOME#");
    static final byte[] FAILURE = ascii("#FAILURE#");
    /** Every handshake frame is at most this long (CPython: {@code recv_bytes(256)}). */
    static final int MAX_FRAME_LENGTH = 256;
    /** Random bytes in a challenge we deliver (CPython 3.12+: {@code MESSAGE_LENGTH}). */
    static final int RANDOM_LENGTH = 40;
    /** The digest we ask for. */
    static final String DIGEST = "sha256";

    private static final int LEGACY_MESSAGE_LENGTH = 20;
    private static final int MD5_LENGTH = 16;
    private static final String LEGACY_DIGEST = "md5";
    /** Python digest name to JCA MAC name: CPython's {@code _ALLOWED_DIGESTS}. */
    private static final Map<String, String> MACS = Map.of(
            "md5", "HmacMD5",
            "sha256", "HmacSHA256",
            "sha384", "HmacSHA384",
            "sha3_256", "HmacSHA3-256",
            "sha3_384", "HmacSHA3-384");
    private static final int MAX_DIGEST_NAME_LENGTH = 8;

    private AuthkeyHandshake() {}

    /** A fresh challenge message: {@code "{sha256}"} + 40 random bytes (without "#CHALLENGE#"). */
    static byte[] newChallengeMessage(SecureRandom random) {
        byte[] prefix = ascii("{" + DIGEST + "}");
        byte[] message = Arrays.copyOf(prefix, prefix.length + RANDOM_LENGTH);
        byte[] nonce = new byte[RANDOM_LENGTH];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, message, prefix.length, RANDOM_LENGTH);
        return message;
    }

    /** The challenge frame's payload for a message. */
    static byte[] challengeFrame(byte[] message) {
        return concat(CHALLENGE, message);
    }

    /**
     * The answer to a challenge frame (with its "#CHALLENGE#" prefix): raw HMAC-MD5 for a
     * legacy 20-byte message, else {@code "{digest}"} + HMAC-digest over the whole message.
     */
    static byte[] answer(byte[] authkey, byte[] challengeFrame) {
        if (!startsWith(challengeFrame, CHALLENGE)) {
            throw new AuthenticationException("expected a #CHALLENGE# frame, got " + challengeFrame.length + " other bytes");
        }
        byte[] message = Arrays.copyOfRange(challengeFrame, CHALLENGE.length, challengeFrame.length);
        if (message.length < LEGACY_MESSAGE_LENGTH) {
            throw new AuthenticationException("challenge too short: " + message.length + " bytes");
        }
        String digest = digestName(message);
        if (digest.isEmpty()) {
            return hmac(LEGACY_DIGEST, authkey, message);
        }
        return concat(ascii("{" + digest + "}"), hmac(digest, authkey, message));
    }

    /**
     * Checks a peer's response to our challenge message in constant time.
     *
     * @return the digest the peer used ({@code "md5"} for a legacy raw response)
     * @throws AuthenticationException when the response is malformed or wrong
     */
    static String verify(byte[] authkey, byte[] message, byte[] response) {
        String digest = digestName(response);
        byte[] mac = digest.isEmpty() ? response : Arrays.copyOfRange(response, digest.length() + 2, response.length);
        if (digest.isEmpty()) {
            digest = LEGACY_DIGEST;
        }
        byte[] expected = hmac(digest, authkey, message);
        if (expected.length != mac.length) {
            throw new AuthenticationException("expected '" + digest + "' of length " + expected.length
                    + ", got " + mac.length);
        }
        if (!MessageDigest.isEqual(expected, mac)) {
            throw new AuthenticationException("digest received was wrong");
        }
        return digest;
    }

    /**
     * CPython's {@code _get_digest_name_and_payload}: "" for a legacy 16- or 20-byte message,
     * else the name inside a leading {@code {...}}, which must be an allowed digest.
     */
    static String digestName(byte[] message) {
        if (message.length == LEGACY_MESSAGE_LENGTH || message.length == MD5_LENGTH) {
            return "";
        }
        if (message.length > 0 && message[0] == '{') {
            int limit = Math.min(message.length, MAX_DIGEST_NAME_LENGTH + 2);
            for (int i = 1; i < limit; i++) {
                if (message[i] == '}') {
                    String name = new String(message, 1, i - 1, StandardCharsets.ISO_8859_1);
                    if (MACS.containsKey(name)) {
                        return name;
                    }
                    break;
                }
            }
        }
        throw new AuthenticationException("unsupported message length (" + message.length
                + " bytes), missing digest prefix, or unsupported digest");
    }

    static byte[] hmac(String digest, byte[] authkey, byte[] data) {
        try {
            Mac mac = Mac.getInstance(MACS.get(digest));
            mac.init(new SecretKeySpec(authkey, "HMAC"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new AuthenticationException("digest " + digest + " unavailable", e);
        }
    }

    static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length
                && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
