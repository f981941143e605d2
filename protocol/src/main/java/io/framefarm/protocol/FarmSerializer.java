package io.framefarm.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.framefarm.protocol.JobApi.*;
import io.framefarm.protocol.WorkProtocol.*;
import io.framefarm.protocol.proto.*;
import java.io.NotSerializableException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.stream.StreamRefResolver;

/**
 * The one edge where Framefarm's cross-node records become protobuf. Actor and stream refs travel
 * as strings; an unknown manifest or class fails loudly instead of falling back to Java serialization.
 */
public final class FarmSerializer extends SerializerWithStringManifest {
  private final ExtendedActorSystem system;
  private volatile ActorRefResolver actorRefs;

  public FarmSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return 7070;
  }

  @Override
  public String manifest(Object o) {
    return switch (o.getClass().getSimpleName()) {
      case "RequestWork" -> "RW";
      case "ChunkProgress" -> "CP";
      case "ChunkDone" -> "CD";
      case "ChunkAttemptFailed" -> "CF";
      case "AssignChunk" -> "AC";
      case "ChunkAcknowledged" -> "CA";
      case "SubmitJob" -> "SJ";
      case "JobAccepted" -> "JA";
      case "JobRejected" -> "JR";
      case "GetJob" -> "GJ";
      case "CancelJob" -> "XJ";
      case "ListJobs" -> "LJ";
      case "JobStatus" -> "JS";
      case "JobNotFound" -> "JN";
      case "JobList" -> "JL";
      case "DeviceReport" -> "MR";
      case "DeviceEvent" -> "ME";
      default -> throw new IllegalArgumentException("FarmSerializer cannot serialize " + o.getClass().getName());
    };
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof RequestWork m) {
      return RequestWorkProto.newBuilder().setWorker(ref(m.worker())).setNode(m.node()).setSlot(m.slot())
          .setSnapshot(snapshot(m.snapshot())).build().toByteArray();
    } else if (o instanceof ChunkProgress m) {
      return ChunkProgressProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
          .setFramesDone(m.framesDone()).build().toByteArray();
    } else if (o instanceof ChunkDone m) {
      return ChunkDoneProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
          .setFrames(m.frames()).setResultRef(streamRefs().toSerializationFormat(m.result()))
          .setWorker(ref(m.worker())).setTextJson(m.textJson()).build().toByteArray();
    } else if (o instanceof ChunkAttemptFailed m) {
      return ChunkAttemptFailedProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
          .setReason(m.reason()).setWorker(ref(m.worker())).build().toByteArray();
    } else if (o instanceof AssignChunk m) {
      return AssignChunkProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
          .setPipeline(m.pipeline()).setEncode(encode(m.encode())).setVideo(video(m.video()))
          .setFirstPts(m.firstPts()).setEndPts(m.endPts()).setExpectedFrames(m.expectedFrames())
          .setSegmentRef(streamRefs().toSerializationFormat(m.segment())).setLeaseMillis(m.leaseMillis())
          .build().toByteArray();
    } else if (o instanceof ChunkAcknowledged m) {
      return ChunkAcknowledgedProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
          .setAccepted(m.accepted()).setReason(m.reason()).build().toByteArray();
    } else if (o instanceof SubmitJob m) {
      SubmitJobProto.Builder b = SubmitJobProto.newBuilder().setRequest(request(m.request()))
          .setReplyTo(ref(m.replyTo())).setVideo(video(m.video()))
          .setPipeline(PipelinePlanProto.newBuilder().setJson(m.pipeline().json())
              .setMemoryNeedBytes(m.pipeline().memoryNeedBytes()).addAllModelIds(m.pipeline().modelIds()));
      m.chunks().forEach(c -> b.addChunks(PlannedChunkProto.newBuilder().setStart(c.start()).setEnd(c.end())
          .setFirstPts(c.firstPts()).setEndPts(c.endPts())));
      return b.build().toByteArray();
    } else if (o instanceof JobAccepted m) {
      return JobAcceptedProto.newBuilder().setJobId(m.jobId()).build().toByteArray();
    } else if (o instanceof JobRejected m) {
      return JobRejectedProto.newBuilder().setReason(m.reason()).build().toByteArray();
    } else if (o instanceof GetJob m) {
      return GetJobProto.newBuilder().setJobId(m.jobId()).setReplyTo(ref(m.replyTo())).build().toByteArray();
    } else if (o instanceof CancelJob m) {
      return CancelJobProto.newBuilder().setJobId(m.jobId()).setReplyTo(ref(m.replyTo())).build().toByteArray();
    } else if (o instanceof ListJobs m) {
      return ListJobsProto.newBuilder().setReplyTo(ref(m.replyTo())).build().toByteArray();
    } else if (o instanceof JobStatus m) {
      return status(m).toByteArray();
    } else if (o instanceof JobNotFound m) {
      return JobNotFoundProto.newBuilder().setJobId(m.jobId()).build().toByteArray();
    } else if (o instanceof JobList m) {
      JobListProto.Builder b = JobListProto.newBuilder();
      m.jobs().forEach(j -> b.addJobs(status(j)));
      return b.build().toByteArray();
    }
    if (o instanceof MemoryProtocol.DeviceReport m) {
      return MemoryWire.toProto(m).toByteArray();
    } else if (o instanceof MemoryProtocol.DeviceEvent m) {
      return MemoryWire.toProto(m).toByteArray();
    }
    throw new IllegalArgumentException("FarmSerializer cannot serialize " + o.getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      return switch (manifest) {
        case "RW" -> {
          RequestWorkProto p = RequestWorkProto.parseFrom(bytes);
          yield new RequestWork(resolve(p.getWorker()), p.getNode(), p.getSlot(), snapshot(p.getSnapshot()));
        }
        case "CP" -> {
          ChunkProgressProto p = ChunkProgressProto.parseFrom(bytes);
          yield new ChunkProgress(p.getJobId(), p.getChunk(), p.getAttempt(), p.getFramesDone());
        }
        case "CD" -> {
          ChunkDoneProto p = ChunkDoneProto.parseFrom(bytes);
          yield new ChunkDone(p.getJobId(), p.getChunk(), p.getAttempt(), p.getFrames(),
              streamRefs().resolveSourceRef(p.getResultRef()), resolve(p.getWorker()), p.getTextJson());
        }
        case "CF" -> {
          ChunkAttemptFailedProto p = ChunkAttemptFailedProto.parseFrom(bytes);
          yield new ChunkAttemptFailed(p.getJobId(), p.getChunk(), p.getAttempt(), p.getReason(), resolve(p.getWorker()));
        }
        case "AC" -> {
          AssignChunkProto p = AssignChunkProto.parseFrom(bytes);
          yield new AssignChunk(p.getJobId(), p.getChunk(), p.getAttempt(), p.getPipeline(), encode(p.getEncode()),
              video(p.getVideo()), p.getFirstPts(), p.getEndPts(), p.getExpectedFrames(),
              streamRefs().resolveSourceRef(p.getSegmentRef()), p.getLeaseMillis());
        }
        case "CA" -> {
          ChunkAcknowledgedProto p = ChunkAcknowledgedProto.parseFrom(bytes);
          yield new ChunkAcknowledged(p.getJobId(), p.getChunk(), p.getAttempt(), p.getAccepted(), p.getReason());
        }
        case "SJ" -> {
          SubmitJobProto p = SubmitJobProto.parseFrom(bytes);
          yield new SubmitJob(request(p.getRequest()), video(p.getVideo()), p.getChunksList().stream()
              .map(c -> new PlannedChunk(c.getStart(), c.getEnd(), c.getFirstPts(), c.getEndPts())).toList(),
              new PipelinePlan(p.getPipeline().getJson(), p.getPipeline().getMemoryNeedBytes(),
                  p.getPipeline().getModelIdsList()), resolve(p.getReplyTo()));
        }
        case "JA" -> new JobAccepted(JobAcceptedProto.parseFrom(bytes).getJobId());
        case "JR" -> new JobRejected(JobRejectedProto.parseFrom(bytes).getReason());
        case "GJ" -> {
          GetJobProto p = GetJobProto.parseFrom(bytes);
          yield new GetJob(p.getJobId(), resolve(p.getReplyTo()));
        }
        case "XJ" -> {
          CancelJobProto p = CancelJobProto.parseFrom(bytes);
          yield new CancelJob(p.getJobId(), resolve(p.getReplyTo()));
        }
        case "LJ" -> new ListJobs(resolve(ListJobsProto.parseFrom(bytes).getReplyTo()));
        case "JS" -> status(JobStatusProto.parseFrom(bytes));
        case "JN" -> new JobNotFound(JobNotFoundProto.parseFrom(bytes).getJobId());
        case "JL" -> new JobList(JobListProto.parseFrom(bytes).getJobsList().stream().map(this::status).toList());
        case "MR" -> MemoryWire.fromProto(DeviceReportProto.parseFrom(bytes));
        case "ME" -> MemoryWire.fromProto(DeviceEventProto.parseFrom(bytes));
        default -> throw new NotSerializableException("Unknown Framefarm manifest '" + manifest + "'");
      };
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException("Corrupt Framefarm message " + manifest + ": " + e.getMessage());
    }
  }

  private ActorRefResolver actorRefs() {
    if (actorRefs == null) {
      actorRefs = ActorRefResolver.get(Adapter.toTyped(system));
    }
    return actorRefs;
  }

  private StreamRefResolver streamRefs() {
    return StreamRefResolver.get(system);
  }

  private String ref(ActorRef<?> ref) {
    return actorRefs().toSerializationFormat(ref);
  }

  private <T> ActorRef<T> resolve(String ref) {
    return actorRefs().resolveActorRef(ref);
  }

  private static DeviceSnapshotProto snapshot(DeviceSnapshot s) {
    return DeviceSnapshotProto.newBuilder().setDeviceId(s.deviceId()).setBudgetBytes(s.budgetBytes())
        .setFreeBytes(s.freeBytes()).addAllResidentModels(s.residentModels()).build();
  }

  private static DeviceSnapshot snapshot(DeviceSnapshotProto p) {
    return new DeviceSnapshot(p.getDeviceId(), p.getBudgetBytes(), p.getFreeBytes(), p.getResidentModelsList());
  }

  private static EncodeSpecProto encode(EncodeSpec e) {
    return EncodeSpecProto.newBuilder().setCrf(e.crf()).setPreset(e.preset()).setLossless(e.lossless()).build();
  }

  private static EncodeSpec encode(EncodeSpecProto p) {
    return new EncodeSpec(p.getCrf(), p.getPreset(), p.getLossless());
  }

  private static VideoSpecProto video(VideoSpec v) {
    return VideoSpecProto.newBuilder().setWidth(v.width()).setHeight(v.height()).setTimeBaseNum(v.timeBaseNum())
        .setTimeBaseDen(v.timeBaseDen()).setFrameRateNum(v.frameRateNum()).setFrameRateDen(v.frameRateDen()).build();
  }

  private static VideoSpec video(VideoSpecProto p) {
    return new VideoSpec(p.getWidth(), p.getHeight(), p.getTimeBaseNum(), p.getTimeBaseDen(), p.getFrameRateNum(),
        p.getFrameRateDen());
  }

  private static JobRequestProto request(JobRequest r) {
    return JobRequestProto.newBuilder().setInput(r.input()).setOutput(r.output()).setPipeline(r.pipeline())
        .setChunkFrames(r.chunkFrames()).setPriority(r.priority()).setEncode(encode(r.encode())).build();
  }

  private static JobRequest request(JobRequestProto p) {
    return new JobRequest(p.getInput(), p.getOutput(), p.getPipeline(), p.getChunkFrames(), p.getPriority(),
        encode(p.getEncode()));
  }

  private static JobStatusProto status(JobStatus s) {
    return JobStatusProto.newBuilder().setId(s.id()).setRequest(request(s.request())).setState(s.state())
        .setTotalFrames(s.totalFrames()).setFramesDone(s.framesDone()).setChunks(s.chunks())
        .setChunksDone(s.chunksDone()).setSubmittedAtMillis(s.submittedAtMillis())
        .setStartedAtMillis(s.startedAtMillis()).setFinishedAtMillis(s.finishedAtMillis())
        .setFailure(s.failure() == null ? "" : s.failure()).addAllAttemptFailures(s.attemptFailures())
        .addAllChunkWorkers(s.chunkWorkers()).setWaiting(s.waiting() == null ? "" : s.waiting()).build();
  }

  private JobStatus status(JobStatusProto p) {
    return new JobStatus(p.getId(), request(p.getRequest()), p.getState(), p.getTotalFrames(), p.getFramesDone(),
        p.getChunks(), p.getChunksDone(), p.getSubmittedAtMillis(), p.getStartedAtMillis(), p.getFinishedAtMillis(),
        p.getFailure().isEmpty() ? null : p.getFailure(), p.getAttemptFailuresList(), p.getChunkWorkersList(),
        p.getWaiting().isEmpty() ? null : p.getWaiting());
  }
}
