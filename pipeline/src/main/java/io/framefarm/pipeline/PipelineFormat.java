package io.framefarm.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.framefarm.pipeline.PipelineModel.ChannelOrder;
import io.framefarm.pipeline.PipelineModel.Normalization;
import io.framefarm.pipeline.PipelineModel.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The pipeline file format. The top level and models are mapped by hand from Jackson's tree; stages
 * are read and written by Jackson from the annotations on their records in {@link StageSpec}, so a new
 * stage type needs nothing here. Either way unknown keys are refused (a typo such as
 * {@code "treshold"} would otherwise be silently ignored), and errors say where in the file they are.
 */
final class PipelineFormat {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new YAMLMapper();
  /**
   * Stages by the annotations on their records, strictly: unknown keys, floats for whole numbers and
   * strings for numbers are refused rather than guessed at.
   */
  private static final ObjectMapper STAGES = JsonMapper.builder()
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .registerSubtypes(StageSpec.types().toArray(Class<?>[]::new))
      .build();

  private PipelineFormat() {}

  static PipelineSpec read(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? YAML : JSON;
    JsonNode root;
    try {
      root = mapper.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new InvalidPipelineException("pipeline file " + file + " does not exist");
    } catch (JsonProcessingException e) {
      // Where, never what: the parser's message quotes the file's text, and the file may not be a pipeline at all.
      var at = e.getLocation();
      throw new InvalidPipelineException("pipeline file " + file + " does not parse as "
          + (mapper == YAML ? "YAML" : "JSON") + (at == null ? "" : " (line " + at.getLineNr() + ", column "
          + at.getColumnNr() + ")"), e);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new InvalidPipelineException("pipeline file " + file + " is not UTF-8 text", e);
    } catch (IOException e) {
      throw new InvalidPipelineException("pipeline file " + file + " cannot be read: " + e.getClass().getSimpleName(),
          e);
    }
    Path base = file.toAbsolutePath().getParent();
    try {
      return fromTree(root, base);
    } catch (InvalidPipelineException e) {
      throw new InvalidPipelineException("pipeline file " + file + ": " + e.getMessage(), e);
    }
  }

  static PipelineSpec fromJson(String json) {
    try {
      return fromTree(JSON.readTree(json), null);
    } catch (JsonProcessingException e) {
      throw new InvalidPipelineException("pipeline JSON does not parse: " + e.getOriginalMessage(), e);
    }
  }

  static String toJson(PipelineSpec spec) {
    ObjectNode root = JSON.createObjectNode();
    root.put("name", spec.name());
    ArrayNode models = root.putArray("models");
    for (PipelineModel m : spec.models()) {
      ObjectNode node = models.addObject();
      node.put("id", m.id());
      node.put("path", m.path().toString());
      if (m.sha256() != null) {
        node.put("sha256", m.sha256());
      }
      node.put("role", lower(m.role()));
      ObjectNode input = node.putObject("input");
      input.put("width", m.inputWidth());
      input.put("height", m.inputHeight());
      input.put("channels", lower(m.channelOrder()));
      ObjectNode norm = node.putObject("normalization");
      norm.put("scale", m.normalization().scale());
      m.normalization().mean().forEach(norm.putArray("mean")::add);
      m.normalization().std().forEach(norm.putArray("std")::add);
      if (m.estimatedBytes() > 0) {
        node.put("estimatedBytes", m.estimatedBytes());
      }
    }
    ArrayNode stages = root.putArray("stages");
    spec.stages().forEach(stage -> stages.add(STAGES.valueToTree(stage)));
    if (!spec.fileDigests().isEmpty()) {
      ObjectNode files = root.putObject("files");
      spec.fileDigests().forEach(files::put);
    }
    return root.toString();
  }

  private static PipelineSpec fromTree(JsonNode root, Path base) {
    Obj top = new Obj(root, "pipeline", Set.of("name", "models", "stages", "files"));
    String name = top.string("name", null);
    List<PipelineModel> models = new ArrayList<>();
    int i = 0;
    for (JsonNode node : top.array("models")) {
      models.add(model(new Obj(node, "models[" + i++ + "]",
          Set.of("id", "path", "sha256", "role", "input", "normalization", "estimatedBytes")), base));
    }
    List<StageSpec> stages = new ArrayList<>();
    i = 0;
    for (JsonNode node : top.array("stages")) {
      stages.add(stage(node, "stages[" + i++ + "]", base));
    }
    return new PipelineSpec(name, models, stages, fileDigests(top));
  }

  /**
   * The digests a coordinator resolved ({@link PipelineSpec#withDigests}), by path as written; they are
   * checked when a file is fetched, so here only their form is.
   */
  private static Map<String, String> fileDigests(Obj top) {
    Map<String, String> digests = new LinkedHashMap<>();
    JsonNode files = top.node.get("files");
    if (files == null) {
      return digests;
    }
    if (!files.isObject()) {
      throw new InvalidPipelineException("pipeline.files must be an object of paths to SHA-256 digests");
    }
    files.fields().forEachRemaining(e -> {
      if (!e.getValue().isTextual() || !e.getValue().asText().matches("[0-9a-f]{64}")) {
        throw new InvalidPipelineException("pipeline.files: the digest of " + e.getKey()
            + " must be 64 lower-case hex digits");
      }
      digests.put(e.getKey(), e.getValue().asText());
    });
    return digests;
  }

  private static PipelineModel model(Obj o, Path base) {
    String id = o.string("id", null);
    Obj input = o.object("input", Set.of("width", "height", "channels"));
    Normalization norm = Normalization.DEFAULT;
    if (o.node.has("normalization")) {
      Obj n = o.object("normalization", Set.of("scale", "mean", "std"));
      norm = new Normalization(n.number("scale", Normalization.DEFAULT.scale()),
          n.numbers("mean", Normalization.DEFAULT.mean()), n.numbers("std", Normalization.DEFAULT.std()));
    }
    try {
      return new PipelineModel(id, path(o.string("path", null), base, o.where + ".path"), o.string("sha256", ""),
          o.enumValue("role", Role.class, Role.PRIMARY), (int) input.integer("width", 0),
          (int) input.integer("height", 0),
          input.enumValue("channels", ChannelOrder.class, ChannelOrder.RGB), norm, o.integer("estimatedBytes", 0));
    } catch (InvalidPipelineException e) {
      throw new InvalidPipelineException(o.where + ": " + e.getMessage(), e);
    }
  }

  /** A stage, read by Jackson from its record's annotations; Jackson's errors are retold with where they are. */
  private static StageSpec stage(JsonNode node, String where, Path base) {
    if (node == null || !node.isObject()) {
      throw new InvalidPipelineException(where + " must be an object");
    }
    if (!node.hasNonNull("type")) {
      throw new InvalidPipelineException(where + ".type is missing");
    }
    try {
      return STAGES.treeToValue(node, StageSpec.class).relativeTo(base);
    } catch (InvalidTypeIdException e) {
      throw new InvalidPipelineException(where + ": unknown stage type '" + node.get("type").asText() + "' (known: "
          + String.join(", ", StageSpec.typeNames()) + ")");
    } catch (UnrecognizedPropertyException e) {
      List<String> known = new ArrayList<>(List.of("type"));
      e.getKnownPropertyIds().forEach(id -> known.add(id.toString()));
      throw new InvalidPipelineException(where + ": unknown key '" + e.getPropertyName() + "' (known: "
          + String.join(", ", known.stream().sorted().toList()) + ")");
    } catch (JsonProcessingException e) {
      String path = e instanceof JsonMappingException m ? pathOf(m) : "";
      if (e.getCause() instanceof InvalidPipelineException invalid) {
        throw new InvalidPipelineException(where + path + ": " + invalid.getMessage(), invalid);
      }
      if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
        throw new InvalidPipelineException(where + path + " must be " + kind(m.getTargetType()) + ", was "
            + node.at(pointerOf(m)));
      }
      throw new InvalidPipelineException(where + path + ": " + e.getOriginalMessage(), e);
    }
  }

  private static String pointerOf(JsonMappingException e) {
    StringBuilder pointer = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      pointer.append('/').append(r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex()));
    }
    return pointer.toString();
  }

  private static String kind(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
      return "a number";
    }
    return type == String.class ? "a string" : "a " + type.getSimpleName();
  }

  private static String pathOf(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      path.append(r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]");
    }
    return path.toString();
  }

  private static Path path(String value, Path base, String where) {
    if (value == null) {
      throw new InvalidPipelineException(where + " is missing");
    }
    Path path = Path.of(value);
    return base == null || path.isAbsolute() ? path : base.resolve(path).normalize();
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** A JSON object with typed getters whose errors name where the value is. */
  private record Obj(JsonNode node, String where, Set<String> known) {
    Obj {
      if (node == null || !node.isObject()) {
        throw new InvalidPipelineException(where + " must be an object");
      }
      if (known != null) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
          String field = it.next();
          if (!known.contains(field)) {
            throw new InvalidPipelineException(where + ": unknown key '" + field + "' (known: "
                + String.join(", ", known.stream().sorted().toList()) + ")");
          }
        }
      }
    }

    /** {@code fallback} null means required; "" means optional with null as the default. */
    String string(String field, String fallback) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        if (fallback == null) {
          throw new InvalidPipelineException(where + "." + field + " is missing");
        }
        return fallback.isEmpty() ? null : fallback;
      }
      if (!v.isTextual()) {
        throw new InvalidPipelineException(where + "." + field + " must be a string, was " + v);
      }
      return v.asText();
    }

    double number(String field, double fallback) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        return fallback;
      }
      if (!v.isNumber()) {
        throw new InvalidPipelineException(where + "." + field + " must be a number, was " + v);
      }
      return v.asDouble();
    }

    long integer(String field, long fallback) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        return fallback;
      }
      if (!v.isIntegralNumber()) {
        throw new InvalidPipelineException(where + "." + field + " must be a whole number, was " + v);
      }
      return v.asLong();
    }

    List<Double> numbers(String field, List<Double> fallback) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        return fallback;
      }
      List<Double> values = new ArrayList<>();
      for (JsonNode item : array(field)) {
        if (!item.isNumber()) {
          throw new InvalidPipelineException(where + "." + field + " must hold numbers, has " + item);
        }
        values.add(item.asDouble());
      }
      return values;
    }

    <E extends Enum<E>> E enumValue(String field, Class<E> type, E fallback) {
      String v = string(field, fallback.name());
      try {
        return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new InvalidPipelineException(where + "." + field + ": unknown value '" + v + "' (known: "
            + String.join(", ", java.util.Arrays.stream(type.getEnumConstants()).map(PipelineFormat::lower).toList())
            + ")");
      }
    }

    Obj object(String field, Set<String> known) {
      JsonNode v = node.get(field);
      if (v == null) {
        throw new InvalidPipelineException(where + "." + field + " is missing");
      }
      return new Obj(v, where + "." + field, known);
    }

    Iterable<JsonNode> array(String field) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        return List.of();
      }
      if (!v.isArray()) {
        throw new InvalidPipelineException(where + "." + field + " must be a list, was " + v);
      }
      return v;
    }
  }
}
