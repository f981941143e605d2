package io.framefarm.coordinator.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests: Debian's {@code postgresql} package ({@code /usr/lib/postgresql/N/bin}),
 * a fresh cluster in a temporary folder, listening on a free loopback port, with its unix socket in that folder,
 * stopped and deleted on {@link #close()}. Postgres refuses to run as root, so as root it runs as the
 * {@code postgres} user. Without the package the test fails, naming what to install: it never skips.
 */
public final class PostgresServer implements AutoCloseable {
  public static final String USER = "postgres";
  private static final Path INSTALL_ROOT = Path.of("/usr/lib/postgresql");

  private final Path bin;
  private final Path dir;
  private final int port;
  private final String password;

  private PostgresServer(Path bin, Path dir, int port, String password) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.password = password;
  }

  /** Starts a server, waiting until it accepts connections. */
  public static PostgresServer start() throws IOException, InterruptedException {
    Path bin = installedBin();
    Path dir = Files.createTempDirectory("framefarm-pg-");
    String password = UUID.randomUUID().toString();
    Files.writeString(dir.resolve("password"), password + "\n");
    if (asRoot()) {
      UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(USER);
      Files.setOwner(dir, postgres);
      Files.setOwner(dir.resolve("password"), postgres);
    }
    var server = new PostgresServer(bin, dir, freePort(), password);
    try {
      // Local (socket) connections trusted, TCP ones by password, as a deployment would connect.
      server.run("initdb", "-D", dir.resolve("data").toString(), "-U", USER, "--pwfile=" + dir.resolve("password"),
          "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync");
      // fsync off: a test's database need not survive a power cut of the test machine.
      server.run("pg_ctl", "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(), "-w",
          "-t", "60", "-o", "-p " + server.port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
          "start");
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** A new empty database on this server; returns its JDBC URL. */
  public String createDatabase(String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(url("postgres"), USER, password);
         Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return url(name);
  }

  public String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  public String password() {
    return password;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
        run("pg_ctl", "-D", dir.resolve("data").toString(), "-w", "-m", "immediate", "stop");
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Runs one of the server's programs (as postgres when this is root), failing with its output. */
  private void run(String program, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (asRoot()) {
      command.addAll(List.of("runuser", "-u", USER, "--"));
    }
    command.add(bin.resolve(program).toString());
    command.addAll(List.of(args));
    Path log = dir.resolve(program + ".out");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(program + " did not finish within 2 minutes: " + Files.readString(log));
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(program + " exited " + p.exitValue() + ": " + Files.readString(log));
    }
  }

  /** The newest installed version's programs. */
  private static Path installedBin() throws IOException {
    if (Files.isDirectory(INSTALL_ROOT)) {
      try (Stream<Path> versions = Files.list(INSTALL_ROOT)) {
        var found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
            .max(Comparator.comparing(b -> versionOf(b.getParent())));
        if (found.isPresent()) {
          return found.get();
        }
      }
    }
    throw new IllegalStateException("PostgreSQL is not installed: no " + INSTALL_ROOT
        + "/*/bin/initdb. Install Debian's postgresql package (apt-get install postgresql; .ci/run does).");
  }

  private static int versionOf(Path versionDir) {
    String name = versionDir.getFileName().toString();
    return name.chars().allMatch(Character::isDigit) ? Integer.parseInt(name) : -1;
  }

  private static boolean asRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
