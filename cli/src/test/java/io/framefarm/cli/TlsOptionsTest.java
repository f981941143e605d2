package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's TLS options: good stores become Artery's tls-tcp settings; a missing store or a wrong password stops
 * the node with exit code 2 and a message naming the file, before any actor system starts.
 */
class TlsOptionsTest {
  @TempDir
  static Path work;
  static Path keys;

  @BeforeAll
  static void makeKeys() {
    keys = work.resolve("keys");
    assertThat(Farm.run("keys", "--out", keys.toString(), "node")).isZero();
  }

  @Test
  void goodStoresTurnOnTlsWithMutualAuthentication() {
    Config config = options(keys.resolve("node.p12"), keys.resolve("truststore.p12"), keys.resolve("password"))
        .config();
    assertThat(config.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
    Config engine = config.getConfig("pekko.remote.artery.ssl.config-ssl-engine");
    assertThat(engine.getBoolean("require-mutual-authentication")).isTrue();
    assertThat(engine.getString("protocol")).isEqualTo("TLSv1.3");
    assertThat(engine.getString("key-store")).isEqualTo(keys.resolve("node.p12").toString());
    assertThat(engine.getString("key-store-password")).isEqualTo(ClusterKeys.read(keys.resolve("password")));
  }

  @Test
  void noTlsOptionsLeaveTheTransportAlone() {
    assertThat(new TlsOptions().config().isEmpty()).isTrue();
  }

  @Test
  void aMissingKeystoreStopsTheNodeWithExitCode2() {
    Path missing = work.resolve("nowhere.p12");
    String err = runWorker(missing, keys.resolve("truststore.p12"), keys.resolve("password"));
    assertThat(err).contains(missing.toString()).contains("does not exist");
  }

  @Test
  void aWrongPasswordStopsTheNodeWithExitCode2() throws Exception {
    Path wrong = Files.writeString(work.resolve("wrong-password"), "not-the-password\n");
    String err = runWorker(keys.resolve("node.p12"), keys.resolve("truststore.p12"), wrong);
    assertThat(err).contains(keys.resolve("node.p12").toString()).contains("wrong password");
  }

  @Test
  void aTruststoreGivenAsKeystoreIsRefused() {
    assertThatThrownBy(() -> options(keys.resolve("truststore.p12"), keys.resolve("truststore.p12"),
        keys.resolve("password")).config()).hasMessageContaining("holds no private key");
  }

  @Test
  void aKeystoreAloneIsRefused() {
    TlsOptions tls = options(keys.resolve("node.p12"), null, keys.resolve("password"));
    assertThatThrownBy(tls::config).hasMessageContaining("both --tls-keystore and --tls-truststore");
  }

  /** Runs {@code farm worker} with these stores; it must stop at once with exit code 2. Returns what it said. */
  private static String runWorker(Path keystore, Path truststore, Path passwordFile) {
    StringWriter err = new StringWriter();
    int code = Farm.run(new PrintWriter(err, true), "worker", "--seed-nodes", "127.0.0.1:1", "--tls-keystore",
        keystore.toString(), "--tls-truststore", truststore.toString(), "--tls-password-file", passwordFile.toString(),
        "--data-dir", work.resolve("worker").toString());
    assertThat(code).as(err.toString()).isEqualTo(2);
    return err.toString();
  }

  private static TlsOptions options(Path keystore, Path truststore, Path passwordFile) {
    TlsOptions tls = new TlsOptions();
    tls.keystore = keystore;
    tls.truststore = truststore;
    tls.passwordFile = passwordFile;
    return tls;
  }
}
