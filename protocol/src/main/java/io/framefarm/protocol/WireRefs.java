package io.framefarm.protocol;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.StreamRefResolver;

/**
 * Actor and stream refs in their string form. The resolvers are looked up on first use: the serializer
 * is created while the actor system starts, before its extensions can be.
 */
final class WireRefs {
  private final ExtendedActorSystem system;
  private volatile ActorRefResolver actorRefs;
  private volatile StreamRefResolver streamRefs;

  WireRefs(ExtendedActorSystem system) {
    this.system = system;
  }

  String actor(ActorRef<?> ref) {
    return actorRefs().toSerializationFormat(ref);
  }

  <T> ActorRef<T> actor(String ref) {
    return actorRefs().resolveActorRef(ref);
  }

  String source(SourceRef<?> ref) {
    return streamRefs().toSerializationFormat(ref);
  }

  <T> SourceRef<T> source(String ref) {
    return streamRefs().resolveSourceRef(ref);
  }

  private ActorRefResolver actorRefs() {
    if (actorRefs == null) {
      actorRefs = ActorRefResolver.get(Adapter.toTyped(system));
    }
    return actorRefs;
  }

  private StreamRefResolver streamRefs() {
    if (streamRefs == null) {
      streamRefs = StreamRefResolver.get(system);
    }
    return streamRefs;
  }
}
