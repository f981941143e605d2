package io.framefarm.coordinator.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.stream.Collectors;

/**
 * Jackson's complaints about a request body, retold by field and position. Its own messages quote the body's
 * text, which may be megabytes long or not JSON at all.
 */
final class RequestErrors {
  private RequestErrors() {}

  static String describe(JacksonException e) {
    if (e instanceof UnrecognizedPropertyException unknown) {
      return "unknown key '" + Shown.text(unknown.getPropertyName()) + "' (known: " + unknown.getKnownPropertyIds()
          .stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
    }
    if (e instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
      return "'" + field(mismatch) + "' must be " + kind(mismatch.getTargetType());
    }
    JsonLocation at = e.getLocation();
    return "not a JSON object" + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
  }

  private static String field(JsonMappingException e) {
    return e.getPath().stream().map(r -> r.getFieldName() != null ? Shown.text(r.getFieldName())
        : String.valueOf(r.getIndex())).collect(Collectors.joining("."));
  }

  private static String kind(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    return "of type " + type.getSimpleName();
  }
}
