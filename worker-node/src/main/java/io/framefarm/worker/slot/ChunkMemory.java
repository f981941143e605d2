package io.framefarm.worker.slot;

import io.framefarm.worker.memory.BufferLease;
import io.framefarm.worker.memory.LeaseSites;
import io.framefarm.worker.memory.MemoryManager;
import io.framefarm.worker.memory.ModelHandle;
import io.framefarm.worker.memory.ModelSpec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Everything one chunk holds on its device, asked of the device's memory manager from the chunk's
 * (blocking) processing thread. Closing it ends the chunk as an owner: the manager then frees all
 * it still held and reports what was not returned as a leak.
 *
 * <p>{@link #revoke} (from the slot, on any thread) ends it early when the manager restarted and took
 * everything back: a pending ask fails at once and so does the next frame, so that the chunk fails
 * in moments rather than after an ask timeout, and never touches buffers that are no longer its own.
 */
final class ChunkMemory implements AutoCloseable {
  /** The manager's every-N-frames cleanup counts frames; batches keep its mailbox quiet. */
  private static final int FRAME_BATCH = 25;

  /** The memory manager refused a request; the message carries the sizes. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  private final ActorRef<MemoryManager.Command> memory;
  private final LeaseSites sites;
  private final Scheduler scheduler;
  private final String owner;
  /** Model loads can take a while; the manager answers everything else at once. */
  private final Duration timeout;
  private BufferLease lease;
  private int unreportedFrames;
  private volatile String revoked;
  private volatile CompletableFuture<?> waiting;

  ChunkMemory(ActorRef<MemoryManager.Command> memory, LeaseSites sites, Scheduler scheduler, String owner,
      Duration timeout) {
    this.memory = memory;
    this.sites = sites;
    this.scheduler = scheduler;
    this.owner = owner;
    this.timeout = timeout;
  }

  String owner() {
    return owner;
  }

  List<ModelHandle> acquireModels(List<ModelSpec> models) {
    if (models.isEmpty()) {
      return List.of();
    }
    MemoryManager.ModelsReply reply = ask(replyTo -> new MemoryManager.AcquireModels(owner, models, replyTo));
    if (reply instanceof MemoryManager.Rejected rejected) {
      throw new Refused("models refused on this device: " + rejected.reason());
    }
    return ((MemoryManager.ModelsAcquired) reply).models();
  }

  /** One frame buffer of {@code bytes} from the device's pool, kept for the whole chunk. */
  ByteBuffer frameBuffer(long bytes) {
    MemoryManager.LeaseReply reply = ask(replyTo -> new MemoryManager.LeaseBuffers(owner, bytes, 1, replyTo, sites));
    if (reply instanceof MemoryManager.Rejected rejected) {
      throw new Refused("frame buffer refused on this device: " + rejected.reason());
    }
    lease = ((MemoryManager.BuffersLeased) reply).lease();
    return lease.buffer(0);
  }

  /**
   * Fails this chunk's use of its memory: the pending ask and every later call throw {@link Refused} with
   * {@code reason}.
   */
  void revoke(String reason) {
    revoked = reason;
    CompletableFuture<?> pending = waiting;
    if (pending != null) {
      pending.completeExceptionally(new Refused(reason));
    }
  }

  void frameDone() {
    throwIfRevoked();
    if (++unreportedFrames >= FRAME_BATCH) {
      flushFrames();
    }
  }

  private void flushFrames() {
    if (unreportedFrames > 0) {
      memory.tell(new MemoryManager.FramesProcessed(owner, unreportedFrames));
      unreportedFrames = 0;
    }
  }

  private void throwIfRevoked() {
    String reason = revoked;
    if (reason != null) {
      throw new Refused(reason);
    }
  }

  @Override
  public void close() {
    // Even when revoked: a grant from the manager's next instance may have raced the revocation, and
    // finishing an owner it does not know is a no-op there.
    flushFrames();
    if (lease != null) {
      lease.close();
    }
    memory.tell(new MemoryManager.ReleaseModels(owner));
    memory.tell(new MemoryManager.OwnerFinished(owner));
  }

  private <R> R ask(org.apache.pekko.japi.function.Function<ActorRef<R>, MemoryManager.Command> request) {
    throwIfRevoked();
    CompletableFuture<R> answer = new CompletableFuture<>();
    waiting = answer;
    AskPattern.ask(memory, request, timeout, scheduler).whenComplete((reply, error) -> {
      if (error != null) {
        answer.completeExceptionally(error);
      } else {
        answer.complete(reply);
      }
    });
    try {
      throwIfRevoked(); // revoked before waiting was set
      return answer.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refused("interrupted while waiting for the memory manager");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Refused refused) {
        throw refused;
      }
      throw new Refused("memory manager did not answer: " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw new Refused("memory manager did not answer within " + timeout);
    } finally {
      waiting = null;
    }
  }
}
