package io.framefarm.coordinator.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The dashboard: a page and its few static files from this jar ({@code dashboard/}), and the charting library
 * (uPlot) from its WebJar on the classpath, so that it works without any network. Only the names listed here are
 * served. The page holds nothing secret; its API calls carry the token the user gives it.
 */
final class DashboardRoutes extends AllDirectives {
  private static final ContentType JS = MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8);
  private static final ContentType CSS = MediaTypes.TEXT_CSS.toContentType(HttpCharsets.UTF_8);
  private static final ContentType HTML = MediaTypes.TEXT_HTML.toContentType(HttpCharsets.UTF_8);
  /** Scripts and data from this server only; uPlot sets element styles. */
  private static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
      + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

  private record Asset(byte[] bytes, ContentType type) {}

  private final Asset page;
  private final Map<String, Asset> files;

  DashboardRoutes() {
    String uplot = "META-INF/resources/webjars/uplot/" + webjarVersion("uplot") + "/dist/";
    this.page = new Asset(read("dashboard/index.html"), HTML);
    this.files = Map.of(
        "app.js", new Asset(read("dashboard/app.js"), JS),
        "style.css", new Asset(read("dashboard/style.css"), CSS),
        "uPlot.min.js", new Asset(read(uplot + "uPlot.iife.min.js"), JS),
        "uPlot.min.css", new Asset(read(uplot + "uPlot.min.css"), CSS));
  }

  Route page() {
    return complete(response(page));
  }

  Route file(String name) {
    Asset asset = files.get(name);
    return asset == null ? complete(StatusCodes.NOT_FOUND, "no such dashboard file") : complete(
        response(asset));
  }

  private static HttpResponse response(Asset asset) {
    return HttpResponse.create().withStatus(StatusCodes.OK).withEntity(asset.type(), asset.bytes())
        .addHeader(HttpHeader.parse("Cache-Control", "no-cache"))
        .addHeader(HttpHeader.parse("Content-Security-Policy", POLICY))
        .addHeader(HttpHeader.parse("X-Content-Type-Options", "nosniff"));
  }

  private static String webjarVersion(String name) {
    Properties properties = new Properties();
    try (InputStream in = resource("META-INF/maven/org.webjars.npm/" + name + "/pom.properties")) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("version");
  }

  static byte[] read(String name) {
    try (InputStream in = resource(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + name + " from the classpath", e);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = DashboardRoutes.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException(name + " is missing from the classpath (the coordinator's jar or a WebJar)");
    }
    return in;
  }
}
