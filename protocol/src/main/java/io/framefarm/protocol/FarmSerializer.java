package io.framefarm.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.NotSerializableException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The one edge where Framefarm's cross-node records become protobuf. Each message has one
 * {@link Codec}, listed with its family ({@link WorkCodecs}, {@link JobApiCodecs}, {@link MemoryCodecs},
 * {@link DowningCodecs}, {@link DrainCodecs}, {@link ModelCodecs}) and indexed here once by class and by
 * manifest; adding a message means adding its codec there. Actor and stream refs travel as strings; an
 * unknown manifest or class fails loudly instead of falling back to Java serialization.
 */
public final class FarmSerializer extends SerializerWithStringManifest {
  private final Map<Class<?>, Codec<?>> byClass = new LinkedHashMap<>();
  private final Map<String, Codec<?>> byManifest = new LinkedHashMap<>();

  public FarmSerializer(ExtendedActorSystem system) {
    WireRefs refs = new WireRefs(system);
    Stream.of(WorkCodecs.all(refs), JobApiCodecs.all(refs), MemoryCodecs.all(), DowningCodecs.all(refs),
        DrainCodecs.all(refs), ModelCodecs.all(refs)).flatMap(List::stream).forEach(this::register);
  }

  private void register(Codec<?> codec) {
    if (byClass.putIfAbsent(codec.type(), codec) != null) {
      throw new IllegalStateException("two codecs for " + codec.type().getName());
    }
    Codec<?> clash = byManifest.putIfAbsent(codec.manifest(), codec);
    if (clash != null) {
      throw new IllegalStateException("manifest '" + codec.manifest() + "' is used by both "
          + clash.type().getName() + " and " + codec.type().getName());
    }
  }

  /** Every codec, for tests that check all messages are covered. */
  Collection<Codec<?>> codecs() {
    return byClass.values();
  }

  @Override
  public int identifier() {
    return 7070;
  }

  @Override
  public String manifest(Object o) {
    return codecFor(o).manifest();
  }

  @Override
  public byte[] toBinary(Object o) {
    return codecFor(o).toBinary(o);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    Codec<?> codec = byManifest.get(manifest);
    if (codec == null) {
      throw new NotSerializableException("Unknown Framefarm manifest '" + manifest + "'");
    }
    try {
      return codec.fromBinary(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException("Corrupt Framefarm message " + manifest + ": " + e.getMessage());
    }
  }

  private Codec<?> codecFor(Object o) {
    Codec<?> codec = byClass.get(o.getClass());
    if (codec == null) {
      throw new IllegalArgumentException("FarmSerializer cannot serialize " + o.getClass().getName());
    }
    return codec;
  }
}
