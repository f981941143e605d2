package io.framefarm.worker.models;

import io.framefarm.protocol.JobManagerCommand;
import io.framefarm.protocol.ModelProtocol.FetchModelFile;
import io.framefarm.protocol.ModelProtocol.ModelFileReply;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** Asks the job manager (through its cluster singleton proxy) for a model file by digest. */
public final class JobManagerModelSource implements ModelSource {
  private final ActorRef<JobManagerCommand> jobManager;
  private final ActorSystem<?> system;
  private final String node;
  private final Duration askTimeout;

  public JobManagerModelSource(ActorRef<JobManagerCommand> jobManager, ActorSystem<?> system, String node,
      Duration askTimeout) {
    this.jobManager = jobManager;
    this.system = system;
    this.node = node;
    this.askTimeout = askTimeout;
  }

  @Override
  public CompletionStage<ModelFileReply> fetch(String sha256, long offset) {
    return AskPattern.ask(jobManager, replyTo -> new FetchModelFile(sha256, offset, node, replyTo), askTimeout,
        system.scheduler());
  }
}
