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
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.coordination.lease.javadsl.Lease;
import org.apache.pekko.coordination.lease.javadsl.LeaseProvider;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The downing lease on a real PostgreSQL server: one owner at a time, renewal while held, release by the last
 * requester, a dead owner's hold taken once it runs out, loss noticed; and no lease without a coordinator.
 */
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
  void aHeldLeaseIsRenewedWhileNeededAndADeadHoldersLeaseIsTakenWhenItRunsOut() throws Exception {
    JournalDatabase db = database("heartbeats");
    ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
    try {
      JournalHeldLease first = held(testKit, db, "farm@127.0.0.1:2551");
      JournalHeldLease second = held(testKit, db, "farm@127.0.0.1:2552");

      assertThat(first.acquire("sbr").toCompletableFuture().get()).isTrue();
      assertThat(first.acquire("worker").toCompletableFuture().get()).as("held for a second requester").isTrue();
      // second waits out first's hold, which first renews meanwhile: second gives up after about a hold's length.
      long startedAt = System.nanoTime();
      assertThat(second.acquire("sbr").toCompletableFuture().get()).as("held and renewed by first").isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - startedAt)).isGreaterThanOrEqualTo(TTL.minusMillis(500));
      assertThat(first.isHeld()).isTrue();

      first.release("sbr").toCompletableFuture().get();
      assertThat(first.isHeld()).as("still needed by the worker").isTrue();
      first.release("worker").toCompletableFuture().get();
      assertThat(first.isHeld()).isFalse();
      assertThat(second.acquire("sbr").toCompletableFuture().get()).as("free once first let go").isTrue();
      second.release("sbr").toCompletableFuture().get();

      // A coordinator that died holding the row never renews it: the next one waits for it to run out.
      new JournalLease(db, "framefarm-downing", Duration.ofSeconds(5)).acquire("farm@127.0.0.1:2550", TTL);
      assertThat(first.acquire("sbr").toCompletableFuture().get()).as("after the dead hold ran out").isTrue();

      // Another owner takes the row while first believes it holds it: first's next renewal finds out.
      try (Connection c = db.connect(Duration.ofSeconds(5)); Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE framefarm_lease SET owner = 'someone-else'");
      }
      Awaitility.await("first to notice it lost the lease").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50)).until(() -> !first.isHeld());
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

  @Test
  void aLoneCoordinatorTakesTheLeaseInTheDatabaseForItself() throws Exception {
    JournalDatabase db = database("lone");
    ActorTestKit testKit = ActorTestKit.create(JournalDatabase.pluginSettings(db.url(), db.user(), db.password())
        .withFallback(ConfigFactory.parseString("pekko.actor.provider = cluster\n"
            + "pekko.remote.artery.canonical.port = 0\npekko.cluster.roles = [coordinator]"))
        .withFallback(ConfigFactory.load()));
    try {
      Cluster cluster = Cluster.get(testKit.system());
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
      Awaitility.await("the node to be up").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> cluster.selfMember().status() == MemberStatus.up());
      String self = cluster.selfMember().address().hostPort();
      Lease lease = lease(testKit, self);

      assertThat(lease.acquire().toCompletableFuture().get()).isTrue();
      JournalLease row = new JournalLease(db, "framefarm-downing", Duration.ofSeconds(5));
      assertThat(row.holder()).contains(self);
      assertThat(lease.release().toCompletableFuture().get()).isTrue();
      assertThat(row.holder()).isEmpty();
    } finally {
      testKit.shutdownTestKit();
    }
  }

  private static JournalHeldLease held(ActorTestKit testKit, JournalDatabase db, String owner) {
    var system = Adapter.toClassic(testKit.system());
    return new JournalHeldLease(new JournalLease(db, "framefarm-downing", Duration.ofSeconds(5)), owner, TTL,
        Duration.ofMillis(200), system.scheduler(),
        system.dispatchers().lookup(DowningLease.CONFIG_PATH + ".dispatcher"));
  }

  private static Lease lease(ActorTestKit testKit, String owner) {
    Lease lease = LeaseProvider.get(testKit.system()).getLease("framefarm-downing", DowningLease.CONFIG_PATH, owner);
    assertThat(lease).isInstanceOf(DowningLease.class);
    return lease;
  }
}
