package io.framefarm.coordinator.jobs;

import com.google.protobuf.InvalidProtocolBufferException;
import io.framefarm.coordinator.jobs.JobEvent.*;
import io.framefarm.coordinator.jobs.proto.*;
import io.framefarm.protocol.JobApi.JobRequest;
import io.framefarm.protocol.JobApi.PipelinePlan;
import io.framefarm.protocol.JobApi.PlannedChunk;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import java.io.NotSerializableException;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Journal format of {@link JobEvent}s and {@link JobBook} snapshots: protobuf, so that old journals stay
 * readable as records evolve.
 */
public final class JobEventSerializer extends SerializerWithStringManifest {

  @Override
  public int identifier() {
    return 7071;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof JobBook) {
      return "BOOK";
    }
    return switch (o.getClass().getSimpleName()) {
      case "JobSubmitted" -> "JS";
      case "ChunksPlanned" -> "CP";
      case "ChunkLeased" -> "CL";
      case "ChunkCompleted" -> "CC";
      case "ChunkFailed" -> "CF";
      case "JobCompleted" -> "JC";
      case "JobFailed" -> "JF";
      case "JobCancelled" -> "JX";
      case "ChunkReleased" -> "CR";
      case "ChunkLost" -> "LO";
      case "JobArchived" -> "JA";
      case "AssemblyRetried" -> "AR";
      default -> throw new IllegalArgumentException("JobEventSerializer cannot serialize " + o.getClass().getName());
    };
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof JobBook book) {
      return JobBookSnapshots.toProto(book).toByteArray();
    } else if (o instanceof JobSubmitted e) {
      return submittedRecord(e).toByteArray();
    } else if (o instanceof ChunksPlanned e) {
      ChunksPlannedRecord.Builder b = ChunksPlannedRecord.newBuilder().setJobId(e.jobId())
          .setFirstIndex(e.firstIndex()).setPlanning(e.planning());
      e.chunks().forEach(c -> b.addChunks(PlannedChunkRecord.newBuilder().setStart(c.start()).setEnd(c.end())
          .setFirstPts(c.firstPts()).setEndPts(c.endPts())));
      return b.build().toByteArray();
    } else if (o instanceof ChunkLeased e) {
      return ChunkLeasedRecord.newBuilder().setJobId(e.jobId()).setChunk(e.chunk()).setAttempt(e.attempt())
          .setWorker(e.worker()).setDeadlineMillis(e.deadlineMillis()).setAtMillis(e.atMillis()).build().toByteArray();
    } else if (o instanceof ChunkCompleted e) {
      return ChunkCompletedRecord.newBuilder().setJobId(e.jobId()).setChunk(e.chunk()).setAttempt(e.attempt())
          .setFrames(e.frames()).build().toByteArray();
    } else if (o instanceof ChunkFailed e) {
      return ChunkFailedRecord.newBuilder().setJobId(e.jobId()).setChunk(e.chunk()).setAttempt(e.attempt())
          .setReason(e.reason()).build().toByteArray();
    } else if (o instanceof JobCompleted e) {
      return JobCompletedRecord.newBuilder().setJobId(e.jobId()).setFrames(e.frames()).setAtMillis(e.atMillis())
          .build().toByteArray();
    } else if (o instanceof JobFailed e) {
      return JobFailedRecord.newBuilder().setJobId(e.jobId()).setReason(e.reason()).setAtMillis(e.atMillis())
          .build().toByteArray();
    } else if (o instanceof JobCancelled e) {
      return JobCancelledRecord.newBuilder().setJobId(e.jobId()).setAtMillis(e.atMillis()).build().toByteArray();
    } else if (o instanceof ChunkReleased e) {
      return ChunkReleasedRecord.newBuilder().setJobId(e.jobId()).setChunk(e.chunk()).setAttempt(e.attempt())
          .setReason(e.reason()).build().toByteArray();
    } else if (o instanceof ChunkLost e) {
      return ChunkLostRecord.newBuilder().setJobId(e.jobId()).setChunk(e.chunk()).setAttempt(e.attempt())
          .setReason(e.reason()).build().toByteArray();
    } else if (o instanceof AssemblyRetried e) {
      return AssemblyRetriedRecord.newBuilder().setJobId(e.jobId()).setAtMillis(e.atMillis()).build().toByteArray();
    } else if (o instanceof JobArchived e) {
      return JobArchivedRecord.newBuilder().setJobId(e.jobId()).setAtMillis(e.atMillis()).build().toByteArray();
    }
    throw new IllegalArgumentException("JobEventSerializer cannot serialize " + o.getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      return switch (manifest) {
        case "BOOK" -> JobBookSnapshots.fromProto(JobBookSnapshot.parseFrom(bytes));
        case "JS" -> submitted(JobSubmittedRecord.parseFrom(bytes));
        case "CP" -> {
          ChunksPlannedRecord r = ChunksPlannedRecord.parseFrom(bytes);
          yield new ChunksPlanned(r.getJobId(), r.getChunksList().stream()
              .map(c -> new PlannedChunk(c.getStart(), c.getEnd(), c.getFirstPts(), c.getEndPts())).toList(),
              r.getFirstIndex(), r.getPlanning());
        }
        case "CL" -> {
          ChunkLeasedRecord r = ChunkLeasedRecord.parseFrom(bytes);
          yield new ChunkLeased(r.getJobId(), r.getChunk(), r.getAttempt(), r.getWorker(), r.getDeadlineMillis(),
              r.getAtMillis());
        }
        case "CC" -> {
          ChunkCompletedRecord r = ChunkCompletedRecord.parseFrom(bytes);
          yield new ChunkCompleted(r.getJobId(), r.getChunk(), r.getAttempt(), r.getFrames());
        }
        case "CF" -> {
          ChunkFailedRecord r = ChunkFailedRecord.parseFrom(bytes);
          yield new ChunkFailed(r.getJobId(), r.getChunk(), r.getAttempt(), r.getReason());
        }
        case "JC" -> {
          JobCompletedRecord r = JobCompletedRecord.parseFrom(bytes);
          yield new JobCompleted(r.getJobId(), r.getFrames(), r.getAtMillis());
        }
        case "JF" -> {
          JobFailedRecord r = JobFailedRecord.parseFrom(bytes);
          yield new JobFailed(r.getJobId(), r.getReason(), r.getAtMillis());
        }
        case "JX" -> {
          JobCancelledRecord r = JobCancelledRecord.parseFrom(bytes);
          yield new JobCancelled(r.getJobId(), r.getAtMillis());
        }
        case "CR" -> {
          ChunkReleasedRecord r = ChunkReleasedRecord.parseFrom(bytes);
          yield new ChunkReleased(r.getJobId(), r.getChunk(), r.getAttempt(), r.getReason());
        }
        case "LO" -> {
          ChunkLostRecord r = ChunkLostRecord.parseFrom(bytes);
          yield new ChunkLost(r.getJobId(), r.getChunk(), r.getAttempt(), r.getReason());
        }
        case "AR" -> {
          AssemblyRetriedRecord r = AssemblyRetriedRecord.parseFrom(bytes);
          yield new AssemblyRetried(r.getJobId(), r.getAtMillis());
        }
        case "JA" -> {
          JobArchivedRecord r = JobArchivedRecord.parseFrom(bytes);
          yield new JobArchived(r.getJobId(), r.getAtMillis());
        }
        default -> throw new NotSerializableException("Unknown job event manifest '" + manifest + "'");
      };
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException("Corrupt job event " + manifest + ": " + e.getMessage());
    }
  }

  static JobSubmittedRecord submittedRecord(JobSubmitted e) {
    JobRequest r = e.request();
    VideoSpec v = e.video();
    return JobSubmittedRecord.newBuilder().setJobId(e.jobId()).setInput(r.input()).setOutput(r.output())
        .setPipeline(r.pipeline()).setChunkFrames(r.chunkFrames()).setPriority(r.priority())
        .setEncode(EncodeSpecRecord.newBuilder().setCrf(r.encode().crf()).setPreset(r.encode().preset())
            .setLossless(r.encode().lossless()))
        .setWidth(v.width()).setHeight(v.height()).setTimeBaseNum(v.timeBaseNum()).setTimeBaseDen(v.timeBaseDen())
        .setFrameRateNum(v.frameRateNum()).setFrameRateDen(v.frameRateDen()).setAtMillis(e.atMillis())
        .setPipelineJson(e.pipeline().json()).setMemoryNeedBytes(e.pipeline().memoryNeedBytes())
        .addAllModelIds(e.pipeline().modelIds()).setOverwrite(r.overwrite()).build();
  }

  static JobSubmitted submitted(JobSubmittedRecord r) {
    EncodeSpecRecord enc = r.getEncode();
    return new JobSubmitted(r.getJobId(), new JobRequest(r.getInput(), r.getOutput(), r.getPipeline(),
        r.getChunkFrames(), r.getPriority(), new EncodeSpec(enc.getCrf(), enc.getPreset(), enc.getLossless()),
        r.getOverwrite()),
        new VideoSpec(r.getWidth(), r.getHeight(), r.getTimeBaseNum(), r.getTimeBaseDen(), r.getFrameRateNum(),
            r.getFrameRateDen()), new PipelinePlan(r.getPipelineJson(), r.getMemoryNeedBytes(), r.getModelIdsList()),
        r.getAtMillis());
  }
}
