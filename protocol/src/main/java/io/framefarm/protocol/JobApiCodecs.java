package io.framefarm.protocol;

import io.framefarm.protocol.JobApi.CancelJob;
import io.framefarm.protocol.JobApi.GetJob;
import io.framefarm.protocol.JobApi.JobAccepted;
import io.framefarm.protocol.JobApi.JobList;
import io.framefarm.protocol.JobApi.JobNotFound;
import io.framefarm.protocol.JobApi.JobRejected;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.RetryJob;
import io.framefarm.protocol.JobApi.JobStatus;
import io.framefarm.protocol.JobApi.ListJobs;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.JobApi.SubmitJob;
import io.framefarm.protocol.proto.CancelJobProto;
import io.framefarm.protocol.proto.GetJobProto;
import io.framefarm.protocol.proto.JobAcceptedProto;
import io.framefarm.protocol.proto.JobListProto;
import io.framefarm.protocol.proto.JobNotFoundProto;
import io.framefarm.protocol.proto.JobRejectedProto;
import io.framefarm.protocol.proto.JobRequestProto;
import io.framefarm.protocol.proto.RetryJobProto;
import io.framefarm.protocol.proto.JobStatusProto;
import io.framefarm.protocol.proto.ListJobsProto;
import io.framefarm.protocol.proto.PipelinePlanProto;
import io.framefarm.protocol.proto.PlannedChunkProto;
import io.framefarm.protocol.proto.SubmitJobProto;
import java.util.List;

/** The job API ({@link JobApi}) on the wire: one codec per message. */
final class JobApiCodecs {
  private JobApiCodecs() {}

  static List<Codec<?>> all(WireRefs refs) {
    return List.of(
        Codec.of("SJ", SubmitJob.class, m -> submit(m, refs), bytes -> submit(SubmitJobProto.parseFrom(bytes), refs)),
        Codec.of("JA", JobAccepted.class, m -> JobAcceptedProto.newBuilder().setJobId(m.jobId()).build(),
            bytes -> new JobAccepted(JobAcceptedProto.parseFrom(bytes).getJobId())),
        Codec.of("JR", JobRejected.class, m -> JobRejectedProto.newBuilder().setReason(m.reason()).build(),
            bytes -> new JobRejected(JobRejectedProto.parseFrom(bytes).getReason())),
        Codec.of("GJ", GetJob.class,
            m -> GetJobProto.newBuilder().setJobId(m.jobId()).setReplyTo(refs.actor(m.replyTo())).build(),
            bytes -> {
              GetJobProto p = GetJobProto.parseFrom(bytes);
              return new GetJob(p.getJobId(), refs.actor(p.getReplyTo()));
            }),
        Codec.of("XJ", CancelJob.class,
            m -> CancelJobProto.newBuilder().setJobId(m.jobId()).setReplyTo(refs.actor(m.replyTo())).build(),
            bytes -> {
              CancelJobProto p = CancelJobProto.parseFrom(bytes);
              return new CancelJob(p.getJobId(), refs.actor(p.getReplyTo()));
            }),
        Codec.of("RJ", RetryJob.class,
            m -> RetryJobProto.newBuilder().setJobId(m.jobId()).setReplyTo(refs.actor(m.replyTo())).build(),
            bytes -> {
              RetryJobProto p = RetryJobProto.parseFrom(bytes);
              return new RetryJob(p.getJobId(), refs.actor(p.getReplyTo()));
            }),
        Codec.of("LJ", ListJobs.class, m -> ListJobsProto.newBuilder().setReplyTo(refs.actor(m.replyTo())).build(),
            bytes -> new ListJobs(refs.actor(ListJobsProto.parseFrom(bytes).getReplyTo()))),
        Codec.of("JS", JobStatus.class, JobApiCodecs::status, bytes -> status(JobStatusProto.parseFrom(bytes))),
        Codec.of("JN", JobNotFound.class, m -> JobNotFoundProto.newBuilder().setJobId(m.jobId()).build(),
            bytes -> new JobNotFound(JobNotFoundProto.parseFrom(bytes).getJobId())),
        Codec.of("JL", JobList.class,
            m -> JobListProto.newBuilder().addAllJobs(m.jobs().stream().map(JobApiCodecs::status).toList()).build(),
            bytes -> new JobList(JobListProto.parseFrom(bytes).getJobsList().stream().map(JobApiCodecs::status)
                .toList())));
  }

  private static SubmitJobProto submit(SubmitJob m, WireRefs refs) {
    SubmitJobProto.Builder b = SubmitJobProto.newBuilder().setRequest(request(m.request()))
        .setReplyTo(refs.actor(m.replyTo())).setVideo(WorkCodecs.video(m.video()))
        .setPipeline(PipelinePlanProto.newBuilder().setJson(m.pipeline().json())
            .setMemoryNeedBytes(m.pipeline().memoryNeedBytes()).addAllModelIds(m.pipeline().modelIds()))
        .setPlanning(m.planning());
    m.chunks().forEach(c -> b.addChunks(PlannedChunkProto.newBuilder().setStart(c.start()).setEnd(c.end())
        .setFirstPts(c.firstPts()).setEndPts(c.endPts())));
    return b.build();
  }

  private static SubmitJob submit(SubmitJobProto p, WireRefs refs) {
    return new SubmitJob(request(p.getRequest()), WorkCodecs.video(p.getVideo()), p.getChunksList().stream()
        .map(c -> new PlannedChunk(c.getStart(), c.getEnd(), c.getFirstPts(), c.getEndPts())).toList(),
        new PipelinePlan(p.getPipeline().getJson(), p.getPipeline().getMemoryNeedBytes(),
            p.getPipeline().getModelIdsList()), refs.actor(p.getReplyTo()), p.getPlanning());
  }

  private static JobRequestProto request(JobRequest r) {
    return JobRequestProto.newBuilder().setInput(r.input()).setOutput(r.output()).setPipeline(r.pipeline())
        .setChunkFrames(r.chunkFrames()).setPriority(r.priority()).setEncode(WorkCodecs.encode(r.encode()))
        .setOverwrite(r.overwrite()).build();
  }

  private static JobRequest request(JobRequestProto p) {
    return new JobRequest(p.getInput(), p.getOutput(), p.getPipeline(), p.getChunkFrames(), p.getPriority(),
        WorkCodecs.encode(p.getEncode()), p.getOverwrite());
  }

  private static JobStatusProto status(JobStatus s) {
    return JobStatusProto.newBuilder().setId(s.id()).setRequest(request(s.request())).setState(s.state())
        .setTotalFrames(s.totalFrames()).setFramesDone(s.framesDone()).setChunks(s.chunks())
        .setChunksDone(s.chunksDone()).setSubmittedAtMillis(s.submittedAtMillis())
        .setStartedAtMillis(s.startedAtMillis()).setFinishedAtMillis(s.finishedAtMillis())
        .setFailure(s.failure() == null ? "" : s.failure()).addAllAttemptFailures(s.attemptFailures())
        .addAllChunkWorkers(s.chunkWorkers()).setWaiting(s.waiting() == null ? "" : s.waiting())
        .addAllLostLeases(s.lostLeases()).addAllChunkAttempts(s.chunkAttempts()).setPlanning(s.planning()).build();
  }

  private static JobStatus status(JobStatusProto p) {
    return new JobStatus(p.getId(), request(p.getRequest()), p.getState(), p.getTotalFrames(), p.getFramesDone(),
        p.getChunks(), p.getChunksDone(), p.getSubmittedAtMillis(), p.getStartedAtMillis(), p.getFinishedAtMillis(),
        p.getFailure().isEmpty() ? null : p.getFailure(), p.getAttemptFailuresList(), p.getChunkWorkersList(),
        p.getWaiting().isEmpty() ? null : p.getWaiting(), p.getLostLeasesList(), p.getChunkAttemptsList(),
        p.getPlanning());
  }
}
