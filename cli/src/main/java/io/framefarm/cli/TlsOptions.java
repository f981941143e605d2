package io.framefarm.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The cluster transport over TLS with mutual authentication (Artery {@code tls-tcp}): every connection between
 * nodes, in both directions, needs a certificate signed by the cluster CA, so a node without one cannot join.
 * The stores are opened here, before the actor system starts, because Pekko opens them only at the first
 * connection and would then just log its failure over and over.
 */
final class TlsOptions {
  static final String PASSWORD_ENV = "FRAMEFARM_TLS_PASSWORD";
  private static final String ENGINE = "pekko.remote.artery.ssl.config-ssl-engine.";

  @Option(names = "--tls-keystore", paramLabel = "FILE",
      description = "This node's key and certificate (PKCS12, from `farm keys`); with --tls-truststore, nodes talk "
          + "TLS 1.3 and authenticate each other.")
  Path keystore;

  @Option(names = "--tls-truststore", paramLabel = "FILE",
      description = "The cluster CA's certificate (truststore.p12 from `farm keys`).")
  Path truststore;

  @Option(names = "--tls-password-file", paramLabel = "FILE",
      description = "File holding the stores' password (default: the environment variable " + PASSWORD_ENV + ").")
  Path passwordFile;

  /** The transport's settings: empty without TLS options, else tls-tcp with stores that were seen to open. */
  Config config() {
    if (keystore == null && truststore == null) {
      if (passwordFile != null) {
        throw new IllegalArgumentException("--tls-password-file needs --tls-keystore and --tls-truststore");
      }
      return ConfigFactory.empty();
    }
    if (keystore == null || truststore == null) {
      throw new IllegalArgumentException("TLS needs both --tls-keystore and --tls-truststore");
    }
    String password = password();
    Path keys = NodeOptions.absolute(keystore);
    Path trusted = NodeOptions.absolute(truststore);
    checkKeystore(keys, open("keystore", keys, password), password);
    checkTruststore(trusted, open("truststore", trusted, password));
    return ConfigFactory.parseMap(Map.of(
        "pekko.remote.artery.transport", "tls-tcp",
        ENGINE + "key-store", keys.toString(),
        ENGINE + "trust-store", trusted.toString(),
        ENGINE + "key-store-password", password,
        ENGINE + "key-password", password,
        ENGINE + "trust-store-password", password,
        ENGINE + "require-mutual-authentication", "on",
        ENGINE + "protocol", "TLSv1.3",
        // Certificates name nodes within the cluster CA, not host names: addresses change (DHCP, pods) and nodes
        // are often reached by IP, so what is checked is the chain to the CA, in both directions.
        ENGINE + "hostname-verification", "off"))
        .withValue(ENGINE + "enabled-algorithms",
            ConfigValueFactory.fromIterable(List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256")));
  }

  private String password() {
    if (passwordFile != null) {
      Path file = NodeOptions.absolute(passwordFile);
      readable("password file", file);
      try {
        String password = Files.readString(file).strip();
        if (password.isEmpty()) {
          throw new IllegalArgumentException("the TLS password file " + file + " is empty");
        }
        return password;
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the TLS password file " + file + ": " + e, e);
      }
    }
    String password = System.getenv(PASSWORD_ENV);
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("TLS needs the stores' password: --tls-password-file FILE or the "
          + "environment variable " + PASSWORD_ENV);
    }
    return password;
  }

  private static KeyStore open(String what, Path file, String password) {
    readable("TLS " + what, file);
    try {
      return KeyStore.getInstance(file.toFile(), password.toCharArray());
    } catch (IOException | GeneralSecurityException e) {
      // A wrong password shows as an IOException whose cause is an UnrecoverableKeyException.
      String cause = e.getCause() instanceof java.security.UnrecoverableKeyException
          ? "wrong password (" + e.getMessage() + ")" : e.getMessage();
      throw new IllegalArgumentException("cannot open the TLS " + what + " " + file + ": " + cause, e);
    }
  }

  private static void checkKeystore(Path file, KeyStore store, String password) {
    try {
      List<String> keys = Collections.list(store.aliases()).stream().filter(a -> isKey(store, a)).toList();
      if (keys.isEmpty()) {
        throw new IllegalArgumentException("the TLS keystore " + file + " holds no private key");
      }
      for (String alias : keys) {
        store.getKey(alias, password.toCharArray());
        ((X509Certificate) store.getCertificate(alias)).checkValidity();
      }
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new IllegalArgumentException("the certificate in the TLS keystore " + file + " is not valid now: "
          + e.getMessage() + " (make new keys with `farm keys`)", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the key in the TLS keystore " + file + ": " + e.getMessage()
          + " (its key password must be the store's)", e);
    }
  }

  private static void checkTruststore(Path file, KeyStore store) {
    try {
      for (String alias : Collections.list(store.aliases())) {
        if (store.isCertificateEntry(alias)) {
          return;
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the TLS truststore " + file + ": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("the TLS truststore " + file + " holds no trusted certificate");
  }

  private static boolean isKey(KeyStore store, String alias) {
    try {
      return store.isKeyEntry(alias);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static void readable(String what, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("the " + what + " " + file + " does not exist (or is not a file)");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("the " + what + " " + file + " is not readable (permission denied)");
    }
  }
}
