package io.framefarm.coordinator.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * One route of the coordinator's HTTP server: a method, a path template ({@code {id}} stands for one segment),
 * whether it answers without the API token, and its handler, given the template's values in order. The server's
 * routes are built from a list of these, so the list is the whole server: the OpenAPI test holds the description
 * against it.
 */
public record Endpoint(HttpMethod method, String path, boolean open, Function<List<String>, Route> handler) {

  /** {@code "GET /api/v1/jobs/{id}"}. */
  public String describe() {
    return method.name() + " " + path;
  }

  /** The values of the template's variables in {@code requestPath}, or empty when it does not match. */
  Optional<List<String>> match(String requestPath) {
    String trimmed = requestPath.length() > 1 && requestPath.endsWith("/")
        ? requestPath.substring(0, requestPath.length() - 1) : requestPath;
    String[] want = path.split("/", -1);
    String[] got = trimmed.isEmpty() ? new String[] {""} : trimmed.split("/", -1);
    if (path.equals("/")) {
      return trimmed.isEmpty() || trimmed.equals("/") ? Optional.of(List.of()) : Optional.empty();
    }
    if (want.length != got.length) {
      return Optional.empty();
    }
    List<String> values = new ArrayList<>();
    for (int i = 0; i < want.length; i++) {
      if (want[i].startsWith("{") && want[i].endsWith("}")) {
        if (got[i].isEmpty()) {
          return Optional.empty();
        }
        values.add(got[i]);
      } else if (!want[i].equals(got[i])) {
        return Optional.empty();
      }
    }
    return Optional.of(values);
  }

  /** The server's route: the first endpoint whose path matches, then its method, then the token unless open. */
  static Route routes(List<Endpoint> endpoints, ApiToken token, Supplier<Route> refused) {
    var d = new AllDirectives() {};
    return d.concat(d.reject(), endpoints.stream().map(e -> d.extractUnmatchedPath(path -> e.match(path)
        .map(values -> d.method(e.method(), () -> e.open() ? e.handler().apply(values)
            : token.require(refused, () -> e.handler().apply(values))))
        .orElseGet(d::reject))).toArray(Route[]::new));
  }
}
