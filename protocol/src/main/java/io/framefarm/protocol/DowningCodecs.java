package io.framefarm.protocol;

import io.framefarm.protocol.DowningProtocol.AcquireDowningLease;
import io.framefarm.protocol.DowningProtocol.DowningLeaseAnswer;
import io.framefarm.protocol.DowningProtocol.ReleaseDowningLease;
import io.framefarm.protocol.proto.AcquireDowningLeaseProto;
import io.framefarm.protocol.proto.DowningLeaseAnswerProto;
import io.framefarm.protocol.proto.ReleaseDowningLeaseProto;
import java.util.List;

/** The downing lease's requests ({@link DowningProtocol}) on the wire: one codec per message. */
final class DowningCodecs {
  private DowningCodecs() {}

  static List<Codec<?>> all(WireRefs refs) {
    return List.of(
        Codec.of("DA", AcquireDowningLease.class,
            m -> AcquireDowningLeaseProto.newBuilder().setRequester(m.requester())
                .setReplyTo(refs.actor(m.replyTo())).build(),
            bytes -> {
              AcquireDowningLeaseProto p = AcquireDowningLeaseProto.parseFrom(bytes);
              return new AcquireDowningLease(p.getRequester(), refs.actor(p.getReplyTo()));
            }),
        Codec.of("DR", ReleaseDowningLease.class,
            m -> ReleaseDowningLeaseProto.newBuilder().setRequester(m.requester())
                .setReplyTo(refs.actor(m.replyTo())).build(),
            bytes -> {
              ReleaseDowningLeaseProto p = ReleaseDowningLeaseProto.parseFrom(bytes);
              return new ReleaseDowningLease(p.getRequester(), refs.actor(p.getReplyTo()));
            }),
        Codec.of("DL", DowningLeaseAnswer.class, m -> DowningLeaseAnswerProto.newBuilder().setHeld(m.held()).build(),
            bytes -> new DowningLeaseAnswer(DowningLeaseAnswerProto.parseFrom(bytes).getHeld())));
  }
}
