package io.framefarm.protocol.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.framefarm.protocol.pipeline.PipelineModel.ChannelOrder;
import io.framefarm.protocol.pipeline.PipelineModel.Normalization;
import io.framefarm.protocol.pipeline.PipelineModel.Role;
import io.framefarm.protocol.pipeline.StageSpec.RegionEffect.Effect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The pipeline file format, mapped by hand from Jackson's tree rather than by annotations on the
 * records: defaults stay in one place, unknown keys are refused (a typo such as {@code "treshold"}
 * would otherwise be silently ignored), and errors say where in the file they are.
 */
final class PipelineFormat {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new YAMLMapper();

  private PipelineFormat() {}

  static PipelineSpec read(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? YAML : JSON;
    JsonNode root;
    try {
      root = mapper.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new InvalidPipelineException("pipeline file " + file + " does not exist");
    } catch (IOException e) {
      throw new InvalidPipelineException("pipeline file " + file + " does not parse: " + e.getMessage(), e);
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
    for (StageSpec stage : spec.stages()) {
      ObjectNode node = stages.addObject();
      node.put("type", stage.type());
      stage.model().ifPresent(id -> node.put("model", id));
      if (stage instanceof StageSpec.Detect d) {
        node.put("threshold", d.threshold());
        node.put("boxThreshold", d.boxThreshold());
        node.put("minArea", d.minArea());
        node.put("unclipRatio", d.unclipRatio());
        node.put("maxRegions", d.maxRegions());
      } else if (stage instanceof StageSpec.RegionModel r) {
        node.put("feather", r.feather());
        node.put("padding", r.padding());
      } else if (stage instanceof StageSpec.RegionEffect e) {
        node.put("effect", lower(e.effect()));
        node.put("strength", e.strength());
        node.put("padding", e.padding());
      } else if (stage instanceof StageSpec.Recognize r) {
        node.put("dictionary", r.dictionary().toString());
        node.put("minConfidence", r.minConfidence());
      } else if (stage instanceof StageSpec.BuiltIn b) {
        node.put("name", b.name());
      }
    }
    return root.toString();
  }

  private static PipelineSpec fromTree(JsonNode root, Path base) {
    Obj top = new Obj(root, "pipeline", Set.of("name", "models", "stages"));
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
    return new PipelineSpec(name, models, stages);
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
          o.enumValue("role", Role.class, Role.PRIMARY), (int) input.integer("width", 0), (int) input.integer("height", 0),
          input.enumValue("channels", ChannelOrder.class, ChannelOrder.RGB), norm, o.integer("estimatedBytes", 0));
    } catch (InvalidPipelineException e) {
      throw new InvalidPipelineException(o.where + ": " + e.getMessage(), e);
    }
  }

  private static StageSpec stage(JsonNode node, String where, Path base) {
    String type = new Obj(node, where, null).string("type", null);
    Obj o;
    try {
      return switch (type) {
        case "frame-model" -> {
          o = new Obj(node, where, Set.of("type", "model"));
          yield new StageSpec.FrameModel(o.string("model", null));
        }
        case "detect" -> {
          o = new Obj(node, where, Set.of("type", "model", "threshold", "boxThreshold", "minArea", "unclipRatio", "maxRegions"));
          yield new StageSpec.Detect(o.string("model", null), o.number("threshold", StageSpec.Detect.DEFAULT_THRESHOLD),
              o.number("boxThreshold", 0), (int) o.integer("minArea", StageSpec.Detect.DEFAULT_MIN_AREA),
              o.number("unclipRatio", 0), (int) o.integer("maxRegions", StageSpec.Detect.DEFAULT_MAX_REGIONS));
        }
        case "region-model" -> {
          o = new Obj(node, where, Set.of("type", "model", "feather", "padding"));
          yield new StageSpec.RegionModel(o.string("model", null), (int) o.integer("feather", 4), (int) o.integer("padding", 0));
        }
        case "region-effect" -> {
          o = new Obj(node, where, Set.of("type", "effect", "strength", "padding"));
          yield new StageSpec.RegionEffect(o.enumValue("effect", Effect.class, Effect.BLUR),
              (int) o.integer("strength", 0), (int) o.integer("padding", 0));
        }
        case "recognize" -> {
          o = new Obj(node, where, Set.of("type", "model", "dictionary", "minConfidence"));
          yield new StageSpec.Recognize(o.string("model", null),
              path(o.string("dictionary", null), base, where + ".dictionary"), o.number("minConfidence", 0.5));
        }
        case "builtin" -> {
          o = new Obj(node, where, Set.of("type", "name"));
          yield new StageSpec.BuiltIn(o.string("name", null));
        }
        default -> throw new InvalidPipelineException("unknown stage type '" + type
            + "' (known: frame-model, detect, region-model, region-effect, recognize, builtin)");
      };
    } catch (InvalidPipelineException e) {
      throw e.getMessage().startsWith(where) ? e : new InvalidPipelineException(where + ": " + e.getMessage(), e);
    }
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
            throw new InvalidPipelineException(where + ": unknown key '" + field + "' (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
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
            + String.join(", ", java.util.Arrays.stream(type.getEnumConstants()).map(PipelineFormat::lower).toList()) + ")");
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
