package io.framefarm.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.framefarm.coordinator.scheduler.WorkQueue.Pick;
import io.framefarm.coordinator.scheduler.WorkQueue.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
  /** A job as the queue sees it; chunks are taken by the test as a journal would lease them. */
  private static final class TestJob implements SchedulableJob {
    final String id;
    final int priority;
    final long sequence;
    final long need;
    final List<String> models;
    final List<PendingChunk> pending = new ArrayList<>();
    final Map<String, Integer> failures = new HashMap<>();
    long submittedAt;

    TestJob(String id, int priority, long sequence, long need, List<String> models, int chunks) {
      this.id = id;
      this.priority = priority;
      this.sequence = sequence;
      this.need = need;
      this.models = models;
      for (int i = 0; i < chunks; i++) {
        pending.add(new PendingChunk(i, null));
      }
    }

    void take(int chunk) {
      pending.removeIf(c -> c.index() == chunk);
    }

    void failOn(String worker, int chunk) {
      failures.merge(worker, 1, Integer::sum);
      pending.add(new PendingChunk(chunk, worker));
      pending.sort(java.util.Comparator.comparingInt(PendingChunk::index));
    }

    @Override public String id() { return id; }
    @Override public int priority() { return priority; }
    @Override public long sequence() { return sequence; }
    @Override public long submittedAtMillis() { return submittedAt; }
    @Override public long memoryNeedBytes() { return need; }
    @Override public List<String> modelIds() { return models; }
    @Override public int failuresOn(String worker) { return failures.getOrDefault(worker, 0); }
    @Override public List<PendingChunk> pendingChunks() { return List.copyOf(pending); }
  }

  private static TestJob job(String id, int priority, long sequence, int chunks) {
    return new TestJob(id, priority, sequence, 0, List.of(), chunks);
  }

  private final WorkQueue<String> queue = new WorkQueue<>(Duration.ofSeconds(15));

  private Request<String> request(String worker, DeviceFit device) {
    return new Request<>(worker, "handle-" + worker, device);
  }

  @Test
  void higherPriorityJobsGoFirstThenOlderJobsThenLowerChunks() {
    var old = job("old", 0, 0, 2);
    var urgent = job("urgent", 5, 1, 1);
    var young = job("young", 0, 2, 1);
    List<SchedulableJob> jobs = List.of(young, old, urgent);

    assertThat(queue.request(request("w", DeviceFit.ANY), jobs, 0)).contains(new Pick("urgent", 0));
    urgent.take(0);
    assertThat(queue.request(request("w", DeviceFit.ANY), jobs, 0)).contains(new Pick("old", 0));
  }

  @Test
  void aDeviceNeverGetsAChunkWhosePipelineCannotFitItsBudget() {
    var big = new TestJob("big", 5, 0, 8_000, List.of("upscaler"), 1);
    var small = new TestJob("small", 0, 1, 1_000, List.of("detector"), 1);
    var smallDevice = new DeviceFit(4_000, Set.of());

    assertThat(queue.request(request("a", smallDevice), List.of(big, small), 0)).contains(new Pick("small", 0));
    small.take(0);
    assertThat(queue.request(request("a", smallDevice), List.of(big, small), 0)).as("only the big job is left")
        .isEmpty();
    assertThat(queue.request(request("b", new DeviceFit(16_000, Set.of())), List.of(big, small), 0))
        .contains(new Pick("big", 0));
  }

  @Test
  void atEqualPriorityADeviceGetsTheJobWhoseModelsItAlreadyHolds() {
    var older = new TestJob("older", 0, 0, 1_000, List.of("restorer"), 1);
    var younger = new TestJob("younger", 0, 1, 1_000, List.of("detector", "recognizer"), 1);
    List<SchedulableJob> jobs = List.of(older, younger);

    assertThat(WorkQueue.pick(new DeviceFit(10_000, Set.of("detector", "recognizer")), "w", false, jobs))
        .contains(new Pick("younger", 0));
    assertThat(WorkQueue.pick(new DeviceFit(10_000, Set.of("detector")), "w", false, jobs))
        .as("affinity needs every model resident").contains(new Pick("older", 0));
    assertThat(WorkQueue.pick(DeviceFit.ANY, "w", false, jobs)).contains(new Pick("older", 0));
  }

  private static TestJob submitted(String id, int priority, long sequence, String model, long atMillis) {
    var job = new TestJob(id, priority, sequence, 1_000, List.of(model), 4);
    job.submittedAt = atMillis;
    return job;
  }

  @Test
  void aColdDeviceWaitsForAJobOfItsOwnWhileAYoungJobsModelsAreLoadingElsewhere() {
    var waiting = new WorkQueue<String>(Duration.ofSeconds(15), Placement.AFFINITY, Duration.ofSeconds(2));
    var a = submitted("a", 0, 0, "model-a", 1_000);
    List<SchedulableJob> jobs = new ArrayList<>(List.of(a));
    var cold = new DeviceFit(10_000, Set.of());

    assertThat(waiting.request(request("w1", cold), jobs, 1_000)).as("nobody holds a's model")
        .contains(new Pick("a", 0));
    a.take(0);
    assertThat(waiting.request(request("w2", cold), jobs, 1_100)).as("w1 is loading it").isEmpty();
    assertThat(waiting.deferredUntilMillis()).isEqualTo(3_000);
    assertThat(waiting.parkedCount()).isEqualTo(1);

    var b = submitted("b", 0, 1, "model-b", 1_500);
    jobs.add(b);
    assertThat(waiting.request(request("w2", cold), jobs, 1_500)).as("a job of its own came")
        .contains(new Pick("b", 0));
    b.take(0);
    assertThat(waiting.request(request("w3", cold), jobs, 1_600)).isEmpty();
    assertThat(waiting.deferredUntilMillis()).as("the first young job's wait ends first").isEqualTo(3_000);
    assertThat(waiting.request(request("w3", cold), jobs, 3_000)).as("a is 2 s old: no more waiting")
        .contains(new Pick("a", 1));
    assertThat(waiting.deferredUntilMillis()).isZero();
    a.take(1);
    assertThat(waiting.request(request("w1", new DeviceFit(10_000, Set.of("model-a"))), jobs, 1_700))
        .as("a device that holds the models never waits").contains(new Pick("a", 2));
  }

  @Test
  void aColdDeviceWaitsRatherThanTakeLowerPriorityWorkButTakesEqualPriorityWorkItNeedNotWaitFor() {
    var waiting = new WorkQueue<String>(Duration.ofSeconds(15), Placement.AFFINITY, Duration.ofSeconds(2));
    var urgent = submitted("urgent", 5, 0, "model-u", 1_000);
    var low = submitted("low", 0, 1, "model-l", 0);
    List<SchedulableJob> jobs = List.of(urgent, low);
    assertThat(waiting.request(request("w1", new DeviceFit(10_000, Set.of("model-u"))), jobs, 1_000))
        .contains(new Pick("urgent", 0));
    urgent.take(0);
    assertThat(waiting.request(request("w2", new DeviceFit(10_000, Set.of())), jobs, 1_100)).isEmpty();

    var peer = submitted("peer", 5, 2, "model-p", 0);
    assertThat(waiting.request(request("w2", new DeviceFit(10_000, Set.of())), List.of(urgent, low, peer), 1_200))
        .contains(new Pick("peer", 0));
  }

  @Test
  void randomPlacementSpreadsOverTheJobsOfTheTopPriorityWhateverIsResident() {
    var random = new WorkQueue<String>(Duration.ofSeconds(15), Placement.RANDOM);
    var resident = new TestJob("resident", 0, 0, 1_000, List.of("detector"), 1);
    var other = new TestJob("other", 0, 1, 1_000, List.of("upscaler"), 1);
    var low = new TestJob("low", -1, 2, 1_000, List.of("detector"), 1);
    var device = new DeviceFit(10_000, Set.of("detector"));
    Set<String> picked = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      random.request(new Request<>("w", "w", device), List.of(resident, other, low), 0)
          .ifPresent(p -> picked.add(p.jobId()));
    }
    assertThat(picked).containsExactlyInAnyOrder("resident", "other");
    assertThat(queue.request(request("w", device), List.of(resident, other, low), 0))
        .as("affinity, the default").contains(new Pick("resident", 0));
  }

  @Test
  void devicesWithoutAJobsModelsSpreadOverThePipelinesInsteadOfAllLoadingTheOldest() {
    var ocr = new TestJob("ocr", 0, 0, 1_000, List.of("recognizer"), 4);
    var upscale = new TestJob("upscale", 0, 1, 1_000, List.of("upscaler"), 4);
    var cold = new DeviceFit(10_000, Set.of());
    List<SchedulableJob> jobs = List.of(ocr, upscale);

    assertThat(queue.request(request("a", cold), jobs, 0)).contains(new Pick("ocr", 0));
    ocr.take(0);
    assertThat(queue.request(request("b", cold), jobs, 0)).as("a is loading the recognizer already")
        .contains(new Pick("upscale", 0));
    upscale.take(0);
    assertThat(queue.request(request("a", new DeviceFit(10_000, Set.of("recognizer"))), jobs, 0))
        .as("affinity first").contains(new Pick("ocr", 1));
    ocr.take(1);
    assertThat(queue.request(request("c", cold), jobs, 0)).as("both held once: the oldest")
        .contains(new Pick("ocr", 2));
  }

  @Test
  void priorityComesBeforeModelAffinity() {
    var resident = new TestJob("resident", 0, 0, 1_000, List.of("detector"), 1);
    var urgent = new TestJob("urgent", 9, 1, 1_000, List.of("upscaler"), 1);
    assertThat(WorkQueue.pick(new DeviceFit(10_000, Set.of("detector")), "w", false, List.of(resident, urgent)))
        .contains(new Pick("urgent", 0));
  }

  @Test
  void aRetryGoesToAnotherWorkerWhileOneHasAskedRecently() {
    var j = job("j", 0, 0, 2);
    j.take(0);
    j.failOn("bad", 0);

    queue.request(request("good", DeviceFit.ANY), List.of(), 1_000); // seen, found nothing: parked
    assertThat(queue.request(request("bad", DeviceFit.ANY), List.of(j), 2_000))
        .as("the bad worker gets another chunk").contains(new Pick("j", 1));
    assertThat(queue.request(request("good", DeviceFit.ANY), List.of(j), 2_000)).contains(new Pick("j", 0));

    var alone = new WorkQueue<String>(Duration.ofSeconds(15));
    assertThat(alone.request(request("bad", DeviceFit.ANY), List.of(j), 2_000))
        .as("alone, the worker retries its own failure").contains(new Pick("j", 0));
  }

  @Test
  void aWorkerThatKeepsFailingAJobIsBlockedFromItEvenAlone() {
    var j = job("j", 0, 0, 4);
    for (int chunk = 0; chunk < WorkQueue.WORKER_FAILURES_PER_JOB; chunk++) {
      j.take(chunk);
      j.failOn("bad", chunk);
    }
    assertThat(WorkQueue.pick(DeviceFit.ANY, "bad", true, List.of(j))).isEmpty();
    assertThat(WorkQueue.pick(DeviceFit.ANY, "bad", false, List.of(j))).isEmpty();
    assertThat(WorkQueue.pick(DeviceFit.ANY, "good", true, List.of(j))).isPresent();
  }

  @Test
  void aJobSaysWhyNoCurrentWorkerCanTakeIt() {
    var big = new TestJob("big", 0, 0, 8_000, List.of("upscaler"), 2);
    assertThat(queue.blockage(big, 0, w -> false)).get().extracting(WorkQueue.Blockage::cause)
        .isEqualTo(WorkQueue.Blockage.Cause.NO_WORKERS);

    String small = "pekko://farm@a:1/system/worker-node/slot-0";
    String bad = "pekko://farm@b:2/system/worker-node/slot-0";
    queue.request(request(small, new DeviceFit(4_000, Set.of())), List.of(big), 1_000);
    var tooSmall = queue.blockage(big, 1_000, w -> false).orElseThrow();
    assertThat(tooSmall.cause()).isEqualTo(WorkQueue.Blockage.Cause.TOO_SMALL);
    assertThat(tooSmall.reasons()).singleElement().asString().contains("8000 bytes").contains("4000 bytes");

    queue.request(request(bad + "#123", new DeviceFit(16_000, Set.of())), List.of(), 1_000);
    assertThat(queue.blockage(big, 1_000, w -> false)).as("a worker that fits").isEmpty();
    for (int chunk = 0; chunk < WorkQueue.WORKER_FAILURES_PER_JOB; chunk++) {
      big.failOn(bad + "#123", 0);
    }
    var blocked = queue.blockage(big, 1_000, w -> false).orElseThrow();
    assertThat(blocked.cause()).isEqualTo(WorkQueue.Blockage.Cause.BLOCKED);
    assertThat(blocked.reasons()).containsExactly(small
        + " has a budget of 4000 bytes (3.9 KiB), below the pipeline's 8000 bytes (7.8 KiB)",
        bad + " failed 3 attempts of this job");

    assertThat(queue.blockage(big, 61_001, w -> w.equals(small))).as("bad has not asked for a minute")
        .get().extracting(WorkQueue.Blockage::cause).isEqualTo(WorkQueue.Blockage.Cause.TOO_SMALL);
    queue.forgetWorkersOn("pekko://farm@a:1");
    assertThat(queue.blockage(big, 1_000, w -> false)).get().extracting(WorkQueue.Blockage::cause)
        .isEqualTo(WorkQueue.Blockage.Cause.BLOCKED);
  }

  @Test
  void aWorkerSeenTooLongAgoNoLongerCountsAsAvailable() {
    var j = job("j", 0, 0, 1);
    j.take(0);
    j.failOn("bad", 0);
    queue.request(request("good", DeviceFit.ANY), List.of(), 0);
    assertThat(queue.request(request("bad", DeviceFit.ANY), List.of(j), 16_000))
        .as("good last asked 16 s ago, beyond the 15 s window").contains(new Pick("j", 0));
  }

  @Test
  void requestsThatFindNoWorkAreParkedUntilDrainedAndForgottenWithTheirNode() {
    assertThat(queue.request(request("pekko://farm@a:1/system/slot-0", new DeviceFit(4_000, Set.of())), List.of(), 0))
        .isEmpty();
    queue.request(request("pekko://farm@b:2/system/slot-0", new DeviceFit(9_000, Set.of())), List.of(), 0);
    assertThat(queue.parkedCount()).isEqualTo(2);
    assertThat(queue.largestBudgetSeen()).isEqualTo(9_000);

    queue.forgetWorkersOn("pekko://farm@b:2");
    assertThat(queue.drainParked()).extracting(Request::handle)
        .containsExactly("handle-pekko://farm@a:1/system/slot-0");
    assertThat(queue.hasParked()).isFalse();
  }

  @Test
  void aRequestThatGetsWorkIsNoLongerParked() {
    queue.request(request("w", DeviceFit.ANY), List.of(), 0);
    assertThat(queue.request(request("w", DeviceFit.ANY), List.of(job("j", 0, 0, 1)), 0)).isPresent();
    assertThat(queue.hasParked()).isFalse();
  }
}
