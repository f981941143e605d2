package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code farm keys}: what it writes opens with the password it wrote; every node's certificate chains to the CA. */
class ClusterKeysTest {
  @TempDir
  static Path work;
  static Path keys;

  @BeforeAll
  static void makeKeys() {
    keys = work.resolve("keys");
    assertThat(Farm.run("keys", "--out", keys.toString(), "coordinator", "worker-1")).isZero();
  }

  @Test
  void theTruststoreHoldsOnlyTheClusterCa() throws Exception {
    KeyStore trust = KeyStore.getInstance(keys.resolve("truststore.p12").toFile(), password());
    List<String> aliases = Collections.list(trust.aliases());
    assertThat(aliases).hasSize(1);
    assertThat(trust.isCertificateEntry(aliases.get(0))).isTrue();
    X509Certificate ca = (X509Certificate) trust.getCertificate(aliases.get(0));
    assertThat(ca.getBasicConstraints()).as("a CA certificate").isGreaterThanOrEqualTo(0);
    ca.verify(ca.getPublicKey());
  }

  @Test
  void eachNodeHasAKeyWhoseCertificateTheCaSigned() throws Exception {
    X509Certificate ca = ca();
    for (String node : List.of("coordinator", "worker-1")) {
      KeyStore store = KeyStore.getInstance(keys.resolve(node + ".p12").toFile(), password());
      assertThat(store.isKeyEntry(node)).isTrue();
      assertThat(store.getKey(node, password())).as("the key opens with the store's password").isNotNull();
      Certificate[] chain = store.getCertificateChain(node);
      X509Certificate leaf = (X509Certificate) chain[0];
      assertThat(leaf.getSubjectX500Principal().getName()).startsWith("CN=" + node + ",");
      assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
      leaf.verify(ca.getPublicKey());
      assertThat(leaf.getBasicConstraints()).as("not a CA").isEqualTo(-1);
      assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"); // server, client
      assertThat(chain).hasSize(2);
      assertThat(chain[1]).isEqualTo(ca);
    }
  }

  @Test
  void secretsAreForTheOwnerOnlyAndNothingIsLeftOver() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys))).isEqualTo("rwx------");
    for (String secret : List.of("password", "ca-password", "ca.p12", "coordinator.p12", "worker-1.p12")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve(secret))))
          .as(secret).isEqualTo("rw-------");
    }
    assertThat(ClusterKeys.read(keys.resolve("password"))).isNotEqualTo(ClusterKeys.read(keys.resolve("ca-password")));
    try (var files = Files.list(keys)) {
      assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".csr") || f.endsWith(".pem")))
          .as("no signing request or node certificate left beside the stores").containsExactly("ca.pem");
    }
  }

  @Test
  void aSecondRunAddsNodesSignedByTheSameCaAndRefusesTakenNames() throws Exception {
    assertThat(Farm.run("keys", "--out", keys.toString(), "worker-2")).isZero();
    KeyStore added = KeyStore.getInstance(keys.resolve("worker-2.p12").toFile(), password());
    ((X509Certificate) added.getCertificate("worker-2")).verify(ca().getPublicKey());

    StringWriter err = new StringWriter();
    assertThat(Farm.run(new PrintWriter(err, true), "keys", "--out", keys.toString(), "worker-1")).isEqualTo(2);
    assertThat(err.toString()).contains("worker-1.p12 already exists");
  }

  private static X509Certificate ca() throws Exception {
    return (X509Certificate) KeyStore.getInstance(keys.resolve("truststore.p12").toFile(), password())
        .getCertificate(ClusterKeys.CA_ALIAS);
  }

  private static char[] password() {
    return ClusterKeys.read(keys.resolve("password")).toCharArray();
  }
}
