package io.framefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.framefarm.media.testing.TestVideos;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finished jobs leave the job manager's live state for the history table in the farm's own H2 file
 * database, and the API still answers for them, paged, before and after a restart. The journal is
 * snapshotted every few events, so the restart recovers from a snapshot.
 */
class JobHistoryFarmTest {
  @TempDir
  Path work;

  private FarmNode farm(Path data) {
    var node = new NodeOptions();
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("framefarm.data-dir", data.toString());
    overrides.put("framefarm.coordinator.http-port", 0);
    overrides.put("framefarm.coordinator.retention.keep-finished", 0);
    overrides.put("framefarm.coordinator.snapshot-every", 5);
    overrides.put("pekko.actor.serialize-messages", "on");
    overrides.put("framefarm.coordinator.allowed-roots", List.of(work.toString(), TestVideos.cacheDir().toString()));
    return FarmNode.start(node.config(List.of("coordinator", "worker"), overrides), 1);
  }

  @Test
  void finishedJobsMoveToTheHistoryAndStayListedAcrossARestart() throws Exception {
    Path data = work.resolve("farm");
    Path input = TestVideos.small(TestVideos.cacheDir());
    List<String> ids = new ArrayList<>();
    try (FarmNode node = farm(data)) {
      FarmClient client = new FarmClient(node.apiUrl());
      for (int i = 0; i < 3; i++) {
        ids.add(client.submit(TestFarms.job(input, work.resolve("out-" + i + ".mp4"), "identity", 1000, false)));
      }
      for (String id : ids) {
        assertThat(TestFarms.awaitFinished(client, id, Duration.ofMinutes(2)).path("state").asText())
            .isEqualTo("COMPLETED");
      }
      Config config = node.system().settings().config();
      Awaitility.await("3 jobs archived").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> historyRows(config) == 3);
      assertThat(client.job(ids.get(0)).path("state").asText()).as("answered from the history")
          .isEqualTo("COMPLETED");
    }

    try (FarmNode node = farm(data)) {
      FarmClient client = new FarmClient(node.apiUrl());
      JsonNode first = client.jobs(2, null);
      assertThat(first.path("jobs")).hasSize(2);
      assertThat(first.path("next").isTextual()).isTrue();
      JsonNode second = client.jobs(2, first.path("next").asText());
      assertThat(second.path("jobs")).hasSize(1);
      assertThat(second.path("next").isNull()).isTrue();
      List<String> listed = new ArrayList<>();
      first.path("jobs").forEach(j -> listed.add(j.path("id").asText()));
      second.path("jobs").forEach(j -> listed.add(j.path("id").asText()));
      assertThat(listed).as("newest first").containsExactly(ids.get(2), ids.get(1), ids.get(0));
      assertThat(client.job(ids.get(1)).path("framesDone").asInt()).isPositive();
    }
  }

  private static long historyRows(Config config) throws Exception {
    Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
    try (var c = DriverManager.getConnection(db.getString("url"), db.getString("user"), db.getString("password"));
         var s = c.createStatement(); var rows = s.executeQuery("SELECT COUNT(*) FROM framefarm_job_history")) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
