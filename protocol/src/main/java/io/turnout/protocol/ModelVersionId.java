package io.turnout.protocol;

import java.util.regex.Pattern;

/** One version of one model, e.g. {@code iris@2}. */
public record ModelVersionId(String model, long version) implements ClusterMessage, Comparable<ModelVersionId> {

  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  public ModelVersionId {
    if (!isValidModelName(model)) throw new IllegalArgumentException("invalid model name: " + model);
    if (version < 0) throw new IllegalArgumentException("version must not be negative: " + version);
  }

  public static boolean isValidModelName(String model) {
    return model != null && MODEL_NAME.matcher(model).matches();
  }

  public static ModelVersionId parse(String text) {
    int at = text.lastIndexOf('@');
    if (at <= 0) throw new IllegalArgumentException("expected model@version: " + text);
    return new ModelVersionId(text.substring(0, at), Long.parseLong(text.substring(at + 1)));
  }

  @Override
  public int compareTo(ModelVersionId other) {
    int byModel = model.compareTo(other.model);
    return byModel != 0 ? byModel : Long.compare(version, other.version);
  }

  @Override
  public String toString() {
    return model + "@" + version;
  }
}
