package io.framefarm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A cluster's keys in one directory, made with the JDK's {@code keytool} (no other tool needed): a cluster CA
 * ({@code ca.p12}, its own password in {@code ca-password}), a truststore holding only the CA's certificate
 * ({@code truststore.p12}), and per node a PKCS12 keystore ({@code NAME.p12}) with the node's key and its
 * certificate signed by the CA. Node keystores and the truststore share one password ({@code password}).
 * Files holding a secret are mode 600 in a mode 700 directory. Passwords reach keytool through its
 * environment ({@code -storepass:env}), never its command line, where {@code ps} would show them.
 * keytool makes the keys and signs (the JDK has no public API for either); the stores are finished with
 * {@link KeyStore}, which saves a keytool start (a JVM) per step.
 */
final class ClusterKeys {
  static final String CA_STORE = "ca.p12";
  static final String CA_PASSWORD = "ca-password";
  static final String CA_CERT = "ca.pem";
  static final String TRUSTSTORE = "truststore.p12";
  static final String PASSWORD = "password";
  static final String CA_ALIAS = "cluster-ca";
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final int CA_DAYS = 3650;
  // Names of keytool's environment variables for the passwords: only ever set in keytool's own environment.
  private static final String STORE_ENV = "FRAMEFARM_KEYTOOL_STOREPASS";
  private static final String CA_ENV = "FRAMEFARM_KEYTOOL_CAPASS";

  private final Path dir;
  private final Path keytool;

  ClusterKeys(Path dir) {
    this(dir, Path.of(System.getProperty("java.home"), "bin", "keytool"));
  }

  ClusterKeys(Path dir, Path keytool) {
    this.dir = dir;
    this.keytool = keytool;
  }

  /** True if this directory already holds a cluster CA, which new node keys are then signed by. */
  boolean hasCa() {
    return Files.exists(dir.resolve(CA_STORE));
  }

  /**
   * Makes the CA and the truststore, with a new CA password and, unless {@code storePassword} is given, a new
   * store password written to {@code password}.
   */
  void makeCa(String storePassword) {
    if (hasCa() || Files.exists(dir.resolve(TRUSTSTORE))) {
      throw new IllegalArgumentException(dir + " already holds a cluster CA");
    }
    createPrivateDir();
    String caPassword = randomPassword();
    writeSecret(dir.resolve(CA_PASSWORD), caPassword);
    if (storePassword == null) {
      writeSecret(dir.resolve(PASSWORD), randomPassword());
    }
    String suffix = HexFormat.of().formatHex(randomBytes(4));
    keytool(Map.of(CA_ENV, caPassword), "-genkeypair", "-alias", CA_ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=Framefarm cluster CA " + suffix, "-validity", String.valueOf(CA_DAYS),
        "-ext", "bc:c=ca:true,pathlen:0", "-ext", "ku:c=keyCertSign,cRLSign",
        "-storetype", "PKCS12", "-keystore", path(CA_STORE), "-storepass:env", CA_ENV);
    restrict(dir.resolve(CA_STORE));
    try {
      Certificate ca = load(dir.resolve(CA_STORE), caPassword).getCertificate(CA_ALIAS);
      Files.writeString(dir.resolve(CA_CERT), pem(ca));
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry(CA_ALIAS, ca);
      store(trust, dir.resolve(TRUSTSTORE), storePassword(storePassword));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not write the truststore: " + e, e);
    }
  }

  /** Makes {@code NAME.p12}: a new key pair for the node and its certificate, signed by the CA, valid {@code days}. */
  Path issue(String node, int days, String storePassword) {
    if (!NODE_NAME.matcher(node).matches()) {
      throw new IllegalArgumentException("node name '" + node + "' must be letters, digits, '.', '_' or '-'");
    }
    Path store = dir.resolve(node + ".p12");
    if (Files.exists(store) || node.equals("ca") || node.equals("truststore")) {
      throw new IllegalArgumentException(store + " already exists (or is reserved); pick another node name");
    }
    String password = storePassword(storePassword);
    String caPassword = read(dir.resolve(CA_PASSWORD));
    Path request = dir.resolve(node + ".csr");
    Path signed = dir.resolve(node + ".pem");
    try {
      keytool(Map.of(STORE_ENV, password), "-genkeypair", "-alias", node, "-keyalg", "EC", "-groupname", "secp256r1",
          "-dname", "CN=" + node + ", O=Framefarm cluster", "-validity", String.valueOf(days),
          "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass:env", STORE_ENV);
      restrict(store);
      keytool(Map.of(STORE_ENV, password), "-certreq", "-alias", node, "-keystore", store.toString(),
          "-storepass:env", STORE_ENV, "-file", request.toString());
      // Both ends of every cluster connection authenticate, so one certificate serves as TLS client and server.
      keytool(Map.of(CA_ENV, caPassword), "-gencert", "-rfc", "-alias", CA_ALIAS, "-keystore", path(CA_STORE),
          "-storepass:env", CA_ENV, "-infile", request.toString(), "-outfile", signed.toString(),
          "-validity", String.valueOf(days), "-ext", "bc:c=ca:false", "-ext", "ku:c=digitalSignature",
          "-ext", "eku=serverAuth,clientAuth");
      // The signed certificate replaces the self-signed one, with the CA's after it: the chain a peer checks.
      KeyStore keys = load(store, password);
      Certificate[] chain;
      try (InputStream in = Files.newInputStream(signed)) {
        chain = new Certificate[] {CertificateFactory.getInstance("X.509").generateCertificate(in),
            load(dir.resolve(CA_STORE), caPassword).getCertificate(CA_ALIAS)};
      }
      keys.setKeyEntry(node, keys.getKey(node, password.toCharArray()), password.toCharArray(), chain);
      store(keys, store, password);
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not store the certificate of " + node + ": " + e, e);
    } finally {
      deleteQuietly(request);
      deleteQuietly(signed);
    }
  }

  /** The given store password, or the one in {@code password}. */
  private String storePassword(String given) {
    if (given != null) {
      return given;
    }
    Path file = dir.resolve(PASSWORD);
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(file + " is missing: set " + TlsOptions.PASSWORD_ENV
          + " to the password the cluster's stores were made with");
    }
    return read(file);
  }

  private static KeyStore load(Path file, String password) throws IOException, GeneralSecurityException {
    return KeyStore.getInstance(file.toFile(), password.toCharArray());
  }

  private static void store(KeyStore keys, Path file, String password) throws IOException, GeneralSecurityException {
    try (OutputStream out = Files.newOutputStream(file)) {
      keys.store(out, password.toCharArray());
    }
  }

  private static String pem(Certificate certificate) throws GeneralSecurityException {
    return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
  }

  private void keytool(Map<String, String> secrets, String... args) {
    if (!Files.isExecutable(keytool)) {
      throw new IllegalStateException("keytool not found at " + keytool + " (it comes with the JDK)");
    }
    // keytool is a short-lived JVM: the quick compiler and the serial collector start it faster.
    List<String> command = new ArrayList<>(List.of(keytool.toString(), "-J-XX:TieredStopAtLevel=1",
        "-J-XX:+UseSerialGC"));
    command.addAll(List.of(args));
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().putAll(secrets);
      Process process = builder.start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0) {
        throw new IllegalStateException("keytool " + args[0] + " failed: " + output.strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while keytool ran", e);
    }
  }

  private String path(String name) {
    return dir.resolve(name).toString();
  }

  private void createPrivateDir() {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a secret to a file that is mode 600 from its creation, so it is never readable by others. */
  private static void writeSecret(Path file, String secret) {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, secret + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void restrict(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A leftover request or public chain holds no secret; the keys themselves were made.
    }
  }

  private static String randomPassword() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(24));
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
