package io.framefarm.protocol;

import io.framefarm.protocol.ModelProtocol.FetchModelFile;
import io.framefarm.protocol.ModelProtocol.ModelFileOffer;
import io.framefarm.protocol.ModelProtocol.ModelFileRefused;
import io.framefarm.protocol.proto.FetchModelFileProto;
import io.framefarm.protocol.proto.ModelFileOfferProto;
import io.framefarm.protocol.proto.ModelFileRefusedProto;
import java.util.List;

/** The model-file protocol ({@link ModelProtocol}) on the wire: one codec per message. */
final class ModelCodecs {
  private ModelCodecs() {}

  static List<Codec<?>> all(WireRefs refs) {
    return List.of(
        Codec.of("FMF", FetchModelFile.class,
            m -> FetchModelFileProto.newBuilder().setSha256(m.sha256()).setOffset(m.offset()).setNode(m.node())
                .setReplyTo(refs.actor(m.replyTo())).build(),
            bytes -> {
              FetchModelFileProto p = FetchModelFileProto.parseFrom(bytes);
              return new FetchModelFile(p.getSha256(), p.getOffset(), p.getNode(), refs.actor(p.getReplyTo()));
            }),
        Codec.of("FMO", ModelFileOffer.class,
            m -> ModelFileOfferProto.newBuilder().setSha256(m.sha256()).setSize(m.size()).setOffset(m.offset())
                .setBytesRef(refs.source(m.bytes())).build(),
            bytes -> {
              ModelFileOfferProto p = ModelFileOfferProto.parseFrom(bytes);
              return new ModelFileOffer(p.getSha256(), p.getSize(), p.getOffset(), refs.source(p.getBytesRef()));
            }),
        Codec.of("FMR", ModelFileRefused.class,
            m -> ModelFileRefusedProto.newBuilder().setSha256(m.sha256()).setReason(m.reason()).build(),
            bytes -> {
              ModelFileRefusedProto p = ModelFileRefusedProto.parseFrom(bytes);
              return new ModelFileRefused(p.getSha256(), p.getReason());
            }));
  }
}
