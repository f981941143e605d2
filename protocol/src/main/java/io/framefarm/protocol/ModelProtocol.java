package io.framefarm.protocol;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.util.ByteString;

/**
 * How model files (and the other files a pipeline reads, such as a recognizer's dictionary) reach workers
 * that do not share the coordinator's disks: a worker asks the job manager for a file by its SHA-256, from
 * an offset (a transfer that broke resumes where it stopped), and pulls the bytes through a stream ref. The
 * job manager serves only files that a job it holds names, and only while the file still has that digest.
 */
public final class ModelProtocol {
  private ModelProtocol() {}

  /**
   * Send the bytes of the file with this digest, from {@code offset} on.
   *
   * @param node the asking worker node's address, for the coordinator's log and metrics
   */
  public record FetchModelFile(String sha256, long offset, String node, ActorRef<ModelFileReply> replyTo)
      implements JobManagerCommand, FarmMessage {}

  /** The answer to {@link FetchModelFile}. */
  public sealed interface ModelFileReply extends FarmMessage permits ModelFileOffer, ModelFileRefused {}

  /** The file is {@code size} bytes; {@code bytes} streams it from {@code offset} to its end, once. */
  public record ModelFileOffer(String sha256, long size, long offset, SourceRef<ByteString> bytes)
      implements ModelFileReply {}

  /** No job names a file with this digest, or the file changed or cannot be read: the reason says which. */
  public record ModelFileRefused(String sha256, String reason) implements ModelFileReply {}
}
