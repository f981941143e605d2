package io.framefarm.coordinator.jobs;

import io.framefarm.coordinator.jobs.Job.Chunk;
import io.framefarm.coordinator.jobs.proto.ChunkSnapshot;
import io.framefarm.coordinator.jobs.proto.JobBookSnapshot;
import io.framefarm.coordinator.jobs.proto.JobSnapshot;
import io.framefarm.coordinator.jobs.proto.PlannedChunkRecord;
import io.framefarm.protocol.JobApi.PlannedChunk;
import java.util.List;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.TreePVector;

/** A {@link JobBook} as a protobuf snapshot and back; every field of the live state, nothing of scheduling. */
final class JobBookSnapshots {
  private JobBookSnapshots() {}

  static JobBookSnapshot toProto(JobBook book) {
    JobBookSnapshot.Builder b = JobBookSnapshot.newBuilder().setNextSequence(book.nextSequence());
    for (Job job : book.jobs()) {
      JobSnapshot.Builder j = JobSnapshot.newBuilder()
          .setSubmitted(JobEventSerializer.submittedRecord(job.submitted())).setSequence(job.sequence())
          .setState(job.state().name()).addAllAttemptFailures(job.attemptFailures())
          .addAllLostLeases(job.lostLeases())
          .putAllFailuresByWorker(job.failuresByWorker()).setStartedAtMillis(job.times().startedAtMillis())
          .setFinishedAtMillis(job.times().finishedAtMillis()).setHasFailure(job.failure() != null)
          .setFailure(job.failure() == null ? "" : job.failure()).setPlanning(job.planning());
      for (Chunk c : job.chunks()) {
        PlannedChunk r = c.range();
        j.addChunks(ChunkSnapshot.newBuilder()
            .setRange(PlannedChunkRecord.newBuilder().setStart(r.start()).setEnd(r.end()).setFirstPts(r.firstPts())
                .setEndPts(r.endPts()))
            .setState(c.state().name()).setAttempts(c.attempts()).setFailures(c.failures()).setLosses(c.losses())
            .setWorker(c.worker() == null ? "" : c.worker())
            .setLastFailedWorker(c.lastFailedWorker() == null ? "" : c.lastFailedWorker()));
      }
      b.addJobs(j);
    }
    return b.build();
  }

  static JobBook fromProto(JobBookSnapshot snapshot) {
    PMap<String, Job> jobs = HashTreePMap.empty();
    for (JobSnapshot j : snapshot.getJobsList()) {
      var chunks = TreePVector.<Chunk>empty();
      List<ChunkSnapshot> cs = j.getChunksList();
      for (int i = 0; i < cs.size(); i++) {
        ChunkSnapshot c = cs.get(i);
        PlannedChunkRecord r = c.getRange();
        chunks = chunks.plus(new Chunk(i, new PlannedChunk(r.getStart(), r.getEnd(), r.getFirstPts(), r.getEndPts()),
            Job.ChunkState.valueOf(c.getState()), c.getAttempts(), c.getFailures(), c.getLosses(),
            emptyToNull(c.getWorker()),
            emptyToNull(c.getLastFailedWorker())));
      }
      var submitted = JobEventSerializer.submitted(j.getSubmitted());
      Job job = new Job(submitted, j.getSequence(), Job.State.valueOf(j.getState()), chunks,
          TreePVector.from(j.getAttemptFailuresList()), TreePVector.from(j.getLostLeasesList()),
          HashTreePMap.from(j.getFailuresByWorkerMap()),
          new Job.Times(submitted.atMillis(), j.getStartedAtMillis(), j.getFinishedAtMillis()),
          j.getHasFailure() ? j.getFailure() : null, j.getPlanning());
      jobs = jobs.plus(job.id(), job);
    }
    return new JobBook(jobs, snapshot.getNextSequence());
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }
}
