package io.framefarm.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deploy files hold together: the Kubernetes manifests render with {@code kubectl kustomize} (a coordinator
 * StatefulSet with a volume, GPU workers with one GPU each, probes on Pekko Management's health checks, a grace
 * period above the workers' drain timeout, Cluster Bootstrap through the Kubernetes API and the role it needs to
 * list pods), the systemd worker unit's stop timeout is above the drain timeout, and
 * the release archive carries them all.
 */
class DeployFilesIT {
  private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

  @Test
  void theKubernetesManifestsRenderWithKustomize() throws Exception {
    Process kubectl = new ProcessBuilder("kubectl", "kustomize", DEPLOY.resolve("k8s").toString())
        .redirectErrorStream(true).start();
    String yaml = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kubectl.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(kubectl.exitValue()).as(yaml).isZero();

    assertThat(yaml).contains("kind: StatefulSet", "kind: Deployment", "kind: Service", "volumeClaimTemplates:",
        "nvidia.com/gpu: 1", "path: /ready", "path: /alive", "- --management-port", "namespace: framefarm");
    List<String> documents = List.of(yaml.split("(?m)^---$"));
    String worker = documents.stream().filter(d -> d.contains("kind: Deployment")).findFirst().orElseThrow();
    int drainSeconds = seconds(worker, "- --drain-timeout\\s+- \"?(\\d+)s");
    int graceSeconds = seconds(worker, "terminationGracePeriodSeconds: (\\d+)");
    assertThat(graceSeconds).as("the grace period leaves the drain timeout and time to leave")
        .isGreaterThanOrEqualTo(drainSeconds + 15);

    // Cluster Bootstrap through the Kubernetes API instead of seed nodes, with the right to list the pods.
    assertThat(yaml).doesNotContain("--seed-nodes");
    String coordinator = documents.stream().filter(d -> d.contains("kind: StatefulSet")).findFirst().orElseThrow();
    for (String pod : List.of(coordinator, worker)) {
      assertThat(pod).containsPattern("- --discovery\\s+- kubernetes-api").contains("serviceAccountName: framefarm")
          .containsPattern("- containerPort: 8558\\s+name: management");
    }
    String role = documents.stream().filter(d -> Pattern.compile("(?m)^kind: Role$").matcher(d).find()).findFirst()
        .orElseThrow();
    assertThat(role).contains("- pods").contains("- get", "- watch", "- list");
    assertThat(yaml).contains("kind: ServiceAccount", "kind: RoleBinding");
  }

  @Test
  void theSystemdWorkerUnitWaitsLongerThanTheDrainTimeout() throws Exception {
    String unit = Files.readString(DEPLOY.resolve("systemd/framefarm-worker@.service"));
    String env = Files.readString(DEPLOY.resolve("systemd/framefarm.env"));
    assertThat(unit).contains("--gpus %i", "--drain-timeout ${FARM_DRAIN_TIMEOUT}", "KillSignal=SIGTERM");
    assertThat(seconds(unit, "TimeoutStopSec=(\\d+)")).isGreaterThanOrEqualTo(seconds(env,
        "FARM_DRAIN_TIMEOUT=(\\d+)s") + 15);
  }

  @Test
  void theReleaseArchiveCarriesTheDeployFiles() throws Exception {
    Process tar = new ProcessBuilder("tar", "-tzf", System.getProperty("framefarm.archive")).start();
    String entries = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(entries).contains("/deploy/k8s/kustomization.yaml", "/deploy/systemd/framefarm-worker@.service",
        "/deploy/systemd/framefarm-coordinator.service", "/deploy/container/Containerfile",
        "/deploy/container/healthcheck.sh");
  }

  private static int seconds(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in%n%s", regex, text).isTrue();
    return Integer.parseInt(m.group(1));
  }
}
