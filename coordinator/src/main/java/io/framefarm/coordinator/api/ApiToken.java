package io.framefarm.coordinator.api;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The API's bearer token ({@code framefarm.coordinator.api.token}, {@code FRAMEFARM_API_TOKEN}). Without one the
 * API is open, which is only allowed while it listens on loopback: anyone who can reach it could otherwise make
 * the coordinator read and write files.
 */
public final class ApiToken extends AllDirectives {
  /** Shorter tokens are too easy to guess over a network. */
  static final int MIN_LENGTH = 16;

  private final byte[] expected;

  private ApiToken(byte[] expected) {
    this.expected = expected;
  }

  /** Reads the token from the coordinator's settings and refuses an open API on a non-loopback address. */
  public static ApiToken fromConfig(Config coordinator) {
    String token = coordinator.getString("api.token");
    String host = coordinator.getString("http-host");
    if (token.isEmpty()) {
      if (!isLoopback(host)) {
        throw new IllegalArgumentException("the HTTP API binds to " + host + ", which is not loopback: give it a token "
            + "(--api-token, or FRAMEFARM_API_TOKEN) so that only its users can submit jobs");
      }
      return new ApiToken(null);
    }
    if (token.length() < MIN_LENGTH || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("the API token must be at least " + MIN_LENGTH
          + " printable characters without spaces (try: openssl rand -hex 24)");
    }
    return new ApiToken(token.getBytes(StandardCharsets.US_ASCII));
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** {@code inner} when the request carries the token (or none is needed), else {@code refused}. */
  Route require(Supplier<Route> refused, Supplier<Route> inner) {
    if (expected == null) {
      return inner.get();
    }
    Route allowed = inner.get();
    Route denied = refused.get();
    return optionalHeaderValueByName("Authorization", header -> matches(header) ? allowed : denied);
  }

  private boolean matches(Optional<String> header) {
    if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = header.get().substring(7).trim().getBytes(StandardCharsets.US_ASCII);
    // Constant time: the comparison must not tell how much of a guess was right.
    return MessageDigest.isEqual(given, expected);
  }
}
