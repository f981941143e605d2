package io.framefarm.coordinator.downing;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.framefarm.coordinator.JournalDatabase;
import io.framefarm.coordinator.JournalSchema;
import io.framefarm.coordinator.testing.PostgresServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.coordination.lease.javadsl.Lease;
import org.apache.pekko.coordination.lease.javadsl.LeaseProvider;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The downing lease on a real PostgreSQL server: one owner at a time, expiry of a dead owner's hold, release. */
class DowningLeasePostgresTest {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static PostgresServer postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  private static JournalDatabase database(String name) throws Exception {
    Config config = JournalDatabase.pluginSettings(postgres.createDatabase(name), PostgresServer.USER,
        postgres.password());
    JournalSchema.ensure(config);
    return JournalDatabase.of(config);
  }

  @Test
  void oneOwnerAtATimeUntilItReleasesOrItsHoldExpires() throws Exception {
    JournalLease lease = new JournalLease(database("rows"), "sbr", Duration.ofSeconds(5));

    assertThat(lease.acquire("a", TTL)).isTrue();
    assertThat(lease.acquire("b", TTL)).as("held by a").isFalse();
    assertThat(lease.acquire("a", TTL)).as("a again: already its own").isTrue();
    assertThat(lease.holder()).contains("a");
    assertThat(lease.release("b")).as("b cannot release a's hold").isFalse();

    assertThat(lease.release("a")).isTrue();
    assertThat(lease.holder()).isEmpty();
    assertThat(lease.acquire("b", TTL)).as("free after a released it").isTrue();

    // b dies without releasing: its hold runs out on the database's clock and a may take the lease.
    assertThat(lease.renew("a", TTL)).as("a cannot renew b's hold").isFalse();
    Awaitility.await("b's hold to expire").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> lease.acquire("a", TTL));
    assertThat(lease.holder()).contains("a");
    assertThat(lease.renew("b", TTL)).as("b, back, finds its hold gone").isFalse();
  }

  @Test
  void aHeldLeaseIsRenewedUntilReleasedAndLostWhenAnotherOwnerTakesIt() throws Exception {
    JournalDatabase db = database("heartbeats");
    ActorTestKit testKit = ActorTestKit.create(coordinatorConfig(db));
    try {
      Lease first = lease(testKit, "farm@127.0.0.1:2551");
      Lease second = lease(testKit, "farm@127.0.0.1:2552");
      AtomicReference<Optional<Throwable>> firstLost = new AtomicReference<>();

      assertThat(first.acquire(firstLost::set).toCompletableFuture().get()).isTrue();
      assertThat(first.checkLease()).isTrue();
      // The scenario, not a wait for something: for twice the hold's length, renewals keep it first's.
      long until = System.nanoTime() + TTL.multipliedBy(2).toNanos();
      while (System.nanoTime() < until) {
        assertThat(second.acquire().toCompletableFuture().get()).as("held and renewed by first").isFalse();
        assertThat(first.checkLease()).isTrue();
      }

      assertThat(first.release().toCompletableFuture().get()).isTrue();
      assertThat(first.checkLease()).isFalse();
      assertThat(second.acquire().toCompletableFuture().get()).as("free after first released it").isTrue();

      // Another owner takes the row while first believes it holds it: first's next renewal finds out.
      assertThat(first.acquire(firstLost::set).toCompletableFuture().get()).as("second holds it").isFalse();
      second.release().toCompletableFuture().get();
      assertThat(first.acquire(firstLost::set).toCompletableFuture().get()).isTrue();
      try (Connection c = db.connect(Duration.ofSeconds(5)); Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE framefarm_lease SET owner = 'someone-else'");
      }
      Awaitility.await("first to notice it lost the lease").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50)).until(() -> firstLost.get() != null);
      assertThat(first.checkLease()).isFalse();
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void aNodeThatIsNotACoordinatorGetsNoLeaseWithoutACoordinatorToAsk() throws Exception {
    ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString(
        "pekko.actor.provider = cluster\npekko.remote.artery.canonical.port = 0\npekko.cluster.roles = [worker]")
        .withFallback(ConfigFactory.load()));
    try {
      Lease worker = lease(testKit, "farm@127.0.0.1:2553");
      assertThat(worker.acquire().toCompletableFuture().get()).isFalse();
      assertThat(worker.checkLease()).isFalse();
      assertThat(worker.release().toCompletableFuture().get()).isTrue();
    } finally {
      testKit.shutdownTestKit();
    }
  }

  private static Config coordinatorConfig(JournalDatabase db) {
    return JournalDatabase.pluginSettings(db.url(), db.user(), db.password())
        .withFallback(ConfigFactory.parseString("pekko.cluster.roles = [coordinator]\n"
            + "framefarm.downing-lease.heartbeat-timeout = " + TTL.toMillis() + "ms\n"
            + "framefarm.downing-lease.heartbeat-interval = 200ms"))
        .withFallback(ConfigFactory.load());
  }

  private static Lease lease(ActorTestKit testKit, String owner) {
    Lease lease = LeaseProvider.get(testKit.system()).getLease("framefarm-downing", DowningLease.CONFIG_PATH, owner);
    assertThat(lease).isInstanceOf(DowningLease.class);
    return lease;
  }
}
