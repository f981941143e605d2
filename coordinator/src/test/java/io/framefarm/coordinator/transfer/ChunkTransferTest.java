package io.framefarm.coordinator.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.framefarm.media.ProbeLimits;
import io.framefarm.pipeline.FileDigests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator's pull of a result, on real stream refs. */
class ChunkTransferTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void aResultThatDeliversNothingForTheIdleTimeoutFailsInsteadOfHoldingItsLeaseForever() {
    var transfer = new ChunkTransfer(testKit.system(), new ChunkStore(dir), TransferMeter.NONE, ProbeLimits.DEFAULT,
        new ScanHandoff(), new FileDigests(), Duration.ofMillis(300));
    // A sender that materialized its side and then went silent, as one gone with a downed node does.
    SourceRef<ByteString> silent = Source.<ByteString>maybe()
        .runWith(StreamRefs.sourceRef(), Materializer.matFromSystem(testKit.system()));

    var pulled = transfer.receiveResult("job-1", 0, 1, silent, 15, List.of()).toCompletableFuture();

    assertThatThrownBy(() -> pulled.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().hasRootCauseInstanceOf(TimeoutException.class);
    assertThat(pulled).isCompletedExceptionally();
  }
}
