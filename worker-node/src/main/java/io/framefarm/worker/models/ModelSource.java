package io.framefarm.worker.models;

import io.framefarm.protocol.ModelProtocol.ModelFileReply;
import java.util.concurrent.CompletionStage;

/** Where a worker gets model files it lacks: the job manager on the coordinator ({@link JobManagerModelSource}). */
@FunctionalInterface
public interface ModelSource {
  /** Offers the file with this digest from {@code offset} on, or says why not. */
  CompletionStage<ModelFileReply> fetch(String sha256, long offset);
}
