package io.framefarm.protocol;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.util.ByteString;

/**
 * The pull protocol between worker slots and the job manager. A slot asks for work with its
 * device's memory snapshot; the chunk's compressed packets and the encoded result travel as
 * stream refs so that workers need no shared file system.
 */
public final class WorkProtocol {
  private WorkProtocol() {}

  /** What the scheduler knows of a device when a slot asks: budget, free bytes, models resident. */
  public record DeviceSnapshot(String deviceId, long budgetBytes, long freeBytes, List<String> residentModels) {
    public DeviceSnapshot {
      residentModels = List.copyOf(residentModels);
    }

    public static DeviceSnapshot unknown(String deviceId) {
      return new DeviceSnapshot(deviceId, 0, 0, List.of());
    }
  }

  public record RequestWork(ActorRef<WorkerCommand> worker, String node, String slot, DeviceSnapshot snapshot)
      implements JobManagerCommand, FarmMessage {}

  /** Frames done so far; renews the chunk's lease. */
  public record ChunkProgress(String jobId, int chunk, int attempt, int framesDone)
      implements JobManagerCommand, FarmMessage {}

  /**
   * The chunk is encoded; its bytes are pulled from {@code result}. {@code textJson} is the chunk's
   * text sidecar when the pipeline reads text, else empty.
   */
  public record ChunkDone(String jobId, int chunk, int attempt, int frames, SourceRef<ByteString> result,
      ActorRef<WorkerCommand> worker, String textJson) implements JobManagerCommand, FarmMessage {}

  public record ChunkAttemptFailed(String jobId, int chunk, int attempt, String reason, ActorRef<WorkerCommand> worker)
      implements JobManagerCommand, FarmMessage {}

  public record EncodeSpec(int crf, String preset, boolean lossless) {
    public static EncodeSpec defaults() {
      return new EncodeSpec(18, "veryfast", false);
    }
  }

  public record VideoSpec(int width, int height, int timeBaseNum, int timeBaseDen, int frameRateNum, int frameRateDen) {}

  /**
   * A leased chunk: decode the frames with pts in [firstPts, endPts) from {@code segment}, run
   * {@code pipeline} (a pipeline spec as JSON), encode. {@code attempt} fences stale results.
   */
  public record AssignChunk(String jobId, int chunk, int attempt, String pipeline, EncodeSpec encode, VideoSpec video,
      long firstPts, long endPts, int expectedFrames, SourceRef<ByteString> segment, long leaseMillis)
      implements WorkerCommand, FarmMessage {}

  /** The job manager stored (or refused) a result; the slot may free its files and ask again. */
  public record ChunkAcknowledged(String jobId, int chunk, int attempt, boolean accepted, String reason)
      implements WorkerCommand, FarmMessage {}
}
