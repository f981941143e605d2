package io.framefarm.protocol;

import io.framefarm.protocol.DrainProtocol.ChunkHandedBack;
import io.framefarm.protocol.DrainProtocol.DrainNode;
import io.framefarm.protocol.DrainProtocol.WorkerDraining;
import io.framefarm.protocol.proto.ChunkHandedBackProto;
import io.framefarm.protocol.proto.DrainNodeProto;
import io.framefarm.protocol.proto.WorkerDrainingProto;
import java.util.List;

/** The drain protocol ({@link DrainProtocol}) on the wire: one codec per message. */
final class DrainCodecs {
  private DrainCodecs() {}

  static List<Codec<?>> all(WireRefs refs) {
    return List.of(
        Codec.of("DN", DrainNode.class,
            m -> DrainNodeProto.newBuilder().setRequestedBy(m.requestedBy()).build(),
            bytes -> new DrainNode(DrainNodeProto.parseFrom(bytes).getRequestedBy())),
        Codec.of("WD", WorkerDraining.class,
            m -> WorkerDrainingProto.newBuilder().setWorker(refs.actor(m.worker())).build(),
            bytes -> new WorkerDraining(refs.actor(WorkerDrainingProto.parseFrom(bytes).getWorker()))),
        Codec.of("HB", ChunkHandedBack.class,
            m -> ChunkHandedBackProto.newBuilder().setJobId(m.jobId()).setChunk(m.chunk()).setAttempt(m.attempt())
                .setReason(m.reason()).setWorker(refs.actor(m.worker())).build(),
            bytes -> {
              ChunkHandedBackProto p = ChunkHandedBackProto.parseFrom(bytes);
              return new ChunkHandedBack(p.getJobId(), p.getChunk(), p.getAttempt(), p.getReason(),
                  refs.actor(p.getWorker()));
            }));
  }
}
