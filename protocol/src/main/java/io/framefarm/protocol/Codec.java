package io.framefarm.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.util.function.Function;

/**
 * How one message type crosses the wire: the manifest it travels under, its record class, and its
 * mapping to and from protobuf. Each message family lists its codecs in one place ({@link WorkCodecs},
 * {@link JobApiCodecs}, {@link MemoryCodecs}); {@link FarmSerializer} indexes them once.
 */
record Codec<T extends FarmMessage>(String manifest, Class<T> type, Function<T, ? extends MessageLite> writer,
    Reader<T> reader) {

  /** Parses the protobuf bytes and maps them to the record. */
  @FunctionalInterface
  interface Reader<T> {
    T read(byte[] bytes) throws InvalidProtocolBufferException;
  }

  static <T extends FarmMessage> Codec<T> of(String manifest, Class<T> type, Function<T, ? extends MessageLite> writer,
      Reader<T> reader) {
    return new Codec<>(manifest, type, writer, reader);
  }

  byte[] toBinary(Object message) {
    return writer.apply(type.cast(message)).toByteArray();
  }

  T fromBinary(byte[] bytes) throws InvalidProtocolBufferException {
    return reader.read(bytes);
  }
}
