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

  /**
   * A slot asks for a chunk. {@code ahead}: it is still busy with one and asks for the next, so that the lease, the
   * input's cut and its transfer overlap the current chunk's work; the job manager leases a slot at most one chunk
   * ahead of the one it holds.
   */
  public record RequestWork(ActorRef<WorkerCommand> worker, String node, String slot, DeviceSnapshot snapshot,
      boolean ahead) implements JobManagerCommand, FarmMessage {
    /** A request from an idle slot. */
    public RequestWork(ActorRef<WorkerCommand> worker, String node, String slot, DeviceSnapshot snapshot) {
      this(worker, node, slot, snapshot, false);
    }
  }

  /** Frames done so far; renews the chunk's lease. */
  public record ChunkProgress(String jobId, int chunk, int attempt, int framesDone)
      implements JobManagerCommand, FarmMessage {}

  /**
   * The chunk is encoded; its bytes are pulled from {@code result}. {@code texts}: what the pipeline
   * read, in frame order (empty when it reads no text); at most {@link #MAX_TEXT_BYTES} on the wire.
   */
  public record ChunkDone(String jobId, int chunk, int attempt, int frames, SourceRef<ByteString> result,
      ActorRef<WorkerCommand> worker, List<RecognizedText> texts) implements JobManagerCommand, FarmMessage {
    /**
     * The most a chunk's texts may take on the wire: with the rest of the message well under Artery's
     * default 256 KiB frame. A chunk that reads more fails with a reason that says so.
     */
    public static final int MAX_TEXT_BYTES = 192 * 1024;

    public ChunkDone {
      texts = List.copyOf(texts);
    }
  }

  /**
   * Text read in one region of one frame.
   *
   * @param pts the frame's presentation timestamp, in the stream's time base
   * @param timeSeconds the same timestamp in seconds
   * @param confidence mean probability of the decoded characters, 0..1
   * @param box where in the frame, in pixels
   */
  public record RecognizedText(long pts, double timeSeconds, String text, float confidence, TextBox box) {
    /** Bytes it takes in a {@link ChunkDone} on the wire. */
    public int wireBytes() {
      return WorkCodecs.textBytes(this);
    }
  }

  public record TextBox(int x, int y, int width, int height) {}

  public record ChunkAttemptFailed(String jobId, int chunk, int attempt, String reason, ActorRef<WorkerCommand> worker)
      implements JobManagerCommand, FarmMessage {}

  public record EncodeSpec(int crf, String preset, boolean lossless) {
    public static EncodeSpec defaults() {
      return new EncodeSpec(18, "veryfast", false);
    }
  }

  public record VideoSpec(int width, int height, int timeBaseNum, int timeBaseDen, int frameRateNum,
      int frameRateDen) {}

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
