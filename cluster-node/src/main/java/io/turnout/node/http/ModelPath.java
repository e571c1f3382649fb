package io.turnout.node.http;

import io.turnout.protocol.ModelVersionId;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The model part of a prediction URL, after {@code /v1/models/} or {@code /v2/models/}: a model
 * name, optionally {@code /versions/<n>}, then what is asked for, either as a verb after a colon
 * ({@code iris/versions/2:predict}, TF Serving's style) or as a last segment
 * ({@code iris/versions/2/infer}, V2's style). {@code action} is empty for the bare model or version.
 */
record ModelPath(String model, OptionalLong version, String action) {

  static Optional<ModelPath> parse(String rest) {
    String path = rest.startsWith("/") ? rest.substring(1) : rest;
    String action = "";
    int colon = path.lastIndexOf(':');
    if (colon >= 0) {
      action = ":" + path.substring(colon + 1);
      path = path.substring(0, colon);
    }
    String[] segments = path.split("/", -1);
    int n = segments.length;
    if (action.isEmpty() && n >= 2 && isWord(segments[n - 1]) && !(n == 3 && "versions".equals(segments[1]))) {
      action = segments[n - 1];
      n--;
    }
    if (n == 1 && !segments[0].isEmpty()) return Optional.of(new ModelPath(segments[0], OptionalLong.empty(), action));
    if (n == 3 && "versions".equals(segments[1]) && segments[2].matches("\\d{1,18}")) {
      return Optional.of(new ModelPath(segments[0], OptionalLong.of(Long.parseLong(segments[2])), action));
    }
    return Optional.empty();
  }

  private static boolean isWord(String segment) {
    return segment.matches("[a-z]+");
  }

  boolean validModelName() {
    return ModelVersionId.isValidModelName(model);
  }
}
