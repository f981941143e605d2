package io.framefarm.coordinator.transfer;

import io.framefarm.media.AssemblyResult;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.ModelProtocol;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.util.ByteString;

/**
 * The job manager's file work, all of it asynchronous on the coordinator's media pool: cut a chunk's
 * input, take in its result, assemble the output, offer a model file, forget a job's files.
 * {@link ChunkTransfer} is the real one; the job manager's own tests use one that answers at once.
 */
public interface Transfers {
  /** What the scan of a job's input tells the job manager as it goes (see {@link #plan}); called from any thread. */
  interface PlanListener {
    /** Chunks from {@code firstIndex} on, final; {@code complete}: the input was read to its end, and these are all. */
    void planned(int firstIndex, List<PlannedChunk> chunks, boolean complete);

    /** The input turned out unusable (broken, cut short, too slow to read): the reason, naming the file. */
    void failed(String reason);
  }

  /**
   * Reads the job's input to its end, reporting the chunks of {@code chunkFrames} frames it fixes as it goes: from
   * the first, then those after them, and at the end all of them again from the first.
   */
  void plan(String jobId, String input, int chunkFrames, PlanListener listener);

  /** Extracts the chunk's input packets and offers them to one consumer. */
  CompletionStage<SourceRef<ByteString>> offerSegment(String jobId, String input, int chunk, int attempt,
      PlannedChunk range);

  /** Pulls a worker's encoded chunk and stores it once it holds exactly {@code expectedFrames} frames. */
  CompletionStage<Integer> receiveResult(String jobId, int chunk, int attempt, SourceRef<ByteString> result,
      int expectedFrames, List<RecognizedText> texts);

  /**
   * Joins the stored chunks in order with the source's audio into {@code output}, and the chunks' texts
   * into its text sidecar when the pipeline reads text.
   */
  CompletionStage<AssemblyResult> assemble(String jobId, JobRequest request, int chunks, PipelinePlan pipeline);

  /**
   * Offers the bytes of a file a job's pipeline reads, from {@code offset}, if it still has the digest
   * {@code sha256}; refused with the reason otherwise.
   */
  CompletionStage<ModelProtocol.ModelFileReply> offerModelFile(Path file, String sha256, long offset);

  /** Forgets a finished job and deletes its working files. */
  CompletionStage<Void> forget(String jobId);
}
