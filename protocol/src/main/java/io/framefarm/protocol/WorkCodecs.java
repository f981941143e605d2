package io.framefarm.protocol;

import com.google.protobuf.CodedOutputStream;
import io.framefarm.protocol.WorkProtocol.AssignChunk;
import io.framefarm.protocol.WorkProtocol.ChunkAcknowledged;
import io.framefarm.protocol.WorkProtocol.ChunkAttemptFailed;
import io.framefarm.protocol.WorkProtocol.ChunkDone;
import io.framefarm.protocol.WorkProtocol.ChunkProgress;
import io.framefarm.protocol.WorkProtocol.DeviceSnapshot;
import io.framefarm.protocol.WorkProtocol.EncodeSpec;
import io.framefarm.protocol.WorkProtocol.RecognizedText;
import io.framefarm.protocol.WorkProtocol.RequestWork;
import io.framefarm.protocol.WorkProtocol.TextBox;
import io.framefarm.protocol.WorkProtocol.VideoSpec;
import io.framefarm.protocol.proto.AssignChunkProto;
import io.framefarm.protocol.proto.ChunkAcknowledgedProto;
import io.framefarm.protocol.proto.ChunkAttemptFailedProto;
import io.framefarm.protocol.proto.ChunkDoneProto;
import io.framefarm.protocol.proto.ChunkProgressProto;
import io.framefarm.protocol.proto.DeviceSnapshotProto;
import io.framefarm.protocol.proto.EncodeSpecProto;
import io.framefarm.protocol.proto.RecognizedTextProto;
import io.framefarm.protocol.proto.RequestWorkProto;
import io.framefarm.protocol.proto.TextBoxProto;
import io.framefarm.protocol.proto.VideoSpecProto;
import java.util.List;

/** The work protocol ({@link WorkProtocol}) on the wire: one codec per message. */
final class WorkCodecs {
  private WorkCodecs() {}

  static List<Codec<?>> all(WireRefs refs) {
    return List.of(
        Codec.of("RW", RequestWork.class,
            m -> RequestWorkProto.newBuilder().setWorker(refs.actor(m.worker())).setNode(m.node()).setSlot(m.slot())
                .setSnapshot(snapshot(m.snapshot())).setAhead(m.ahead()).build(),
            bytes -> {
              RequestWorkProto p = RequestWorkProto.parseFrom(bytes);
              return new RequestWork(refs.actor(p.getWorker()), p.getNode(), p.getSlot(), snapshot(p.getSnapshot()),
                  p.getAhead());
            }),
        Codec.of("CP", ChunkProgress.class,
            m -> ChunkProgressProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
                .setFramesDone(m.framesDone()).build(),
            bytes -> {
              ChunkProgressProto p = ChunkProgressProto.parseFrom(bytes);
              return new ChunkProgress(p.getJobId(), p.getChunk(), p.getAttempt(), p.getFramesDone());
            }),
        Codec.of("CD", ChunkDone.class,
            m -> ChunkDoneProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
                .setFrames(m.frames()).setResultRef(refs.source(m.result())).setWorker(refs.actor(m.worker()))
                .addAllTexts(m.texts().stream().map(WorkCodecs::text).toList()).build(),
            bytes -> {
              ChunkDoneProto p = ChunkDoneProto.parseFrom(bytes);
              return new ChunkDone(p.getJobId(), p.getChunk(), p.getAttempt(), p.getFrames(),
                  refs.source(p.getResultRef()), refs.actor(p.getWorker()),
                  p.getTextsList().stream().map(WorkCodecs::text).toList());
            }),
        Codec.of("CF", ChunkAttemptFailed.class,
            m -> ChunkAttemptFailedProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
                .setReason(m.reason()).setWorker(refs.actor(m.worker())).build(),
            bytes -> {
              ChunkAttemptFailedProto p = ChunkAttemptFailedProto.parseFrom(bytes);
              return new ChunkAttemptFailed(p.getJobId(), p.getChunk(), p.getAttempt(), p.getReason(),
                  refs.actor(p.getWorker()));
            }),
        Codec.of("AC", AssignChunk.class,
            m -> AssignChunkProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
                .setPipeline(m.pipeline()).setEncode(encode(m.encode())).setVideo(video(m.video()))
                .setFirstPts(m.firstPts()).setEndPts(m.endPts()).setExpectedFrames(m.expectedFrames())
                .setSegmentRef(refs.source(m.segment())).setLeaseMillis(m.leaseMillis()).build(),
            bytes -> {
              AssignChunkProto p = AssignChunkProto.parseFrom(bytes);
              return new AssignChunk(p.getJobId(), p.getChunk(), p.getAttempt(), p.getPipeline(),
                  encode(p.getEncode()), video(p.getVideo()), p.getFirstPts(), p.getEndPts(), p.getExpectedFrames(),
                  refs.source(p.getSegmentRef()), p.getLeaseMillis());
            }),
        Codec.of("CA", ChunkAcknowledged.class,
            m -> ChunkAcknowledgedProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
                .setAccepted(m.accepted()).setReason(m.reason()).build(),
            bytes -> {
              ChunkAcknowledgedProto p = ChunkAcknowledgedProto.parseFrom(bytes);
              return new ChunkAcknowledged(p.getJobId(), p.getChunk(), p.getAttempt(), p.getAccepted(), p.getReason());
            }));
  }

  private static RecognizedTextProto text(RecognizedText t) {
    TextBox b = t.box();
    return RecognizedTextProto.newBuilder().setPts(t.pts()).setTimeSeconds(t.timeSeconds()).setText(t.text())
        .setConfidence(t.confidence()).setBox(TextBoxProto.newBuilder().setX(b.x()).setY(b.y()).setWidth(b.width())
            .setHeight(b.height())).build();
  }

  private static RecognizedText text(RecognizedTextProto p) {
    TextBoxProto b = p.getBox();
    return new RecognizedText(p.getPts(), p.getTimeSeconds(), p.getText(), p.getConfidence(),
        new TextBox(b.getX(), b.getY(), b.getWidth(), b.getHeight()));
  }

  /** A text's bytes as an element of {@code ChunkDoneProto.texts}: its tag, its length and itself. */
  static int textBytes(RecognizedText t) {
    return CodedOutputStream.computeMessageSize(ChunkDoneProto.TEXTS_FIELD_NUMBER, text(t));
  }

  private static DeviceSnapshotProto snapshot(DeviceSnapshot s) {
    return DeviceSnapshotProto.newBuilder().setDeviceId(s.deviceId()).setBudgetBytes(s.budgetBytes())
        .setFreeBytes(s.freeBytes()).addAllResidentModels(s.residentModels()).build();
  }

  private static DeviceSnapshot snapshot(DeviceSnapshotProto p) {
    return new DeviceSnapshot(p.getDeviceId(), p.getBudgetBytes(), p.getFreeBytes(), p.getResidentModelsList());
  }

  static EncodeSpecProto encode(EncodeSpec e) {
    return EncodeSpecProto.newBuilder().setCrf(e.crf()).setPreset(e.preset()).setLossless(e.lossless()).build();
  }

  static EncodeSpec encode(EncodeSpecProto p) {
    return new EncodeSpec(p.getCrf(), p.getPreset(), p.getLossless());
  }

  static VideoSpecProto video(VideoSpec v) {
    return VideoSpecProto.newBuilder().setWidth(v.width()).setHeight(v.height()).setTimeBaseNum(v.timeBaseNum())
        .setTimeBaseDen(v.timeBaseDen()).setFrameRateNum(v.frameRateNum()).setFrameRateDen(v.frameRateDen()).build();
  }

  static VideoSpec video(VideoSpecProto p) {
    return new VideoSpec(p.getWidth(), p.getHeight(), p.getTimeBaseNum(), p.getTimeBaseDen(), p.getFrameRateNum(),
        p.getFrameRateDen());
  }
}
