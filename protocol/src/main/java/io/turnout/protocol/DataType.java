package io.turnout.protocol;

import java.util.Optional;

/**
 * Element types a tensor can hold, with the names the two prediction APIs and TensorFlow use.
 * BYTES elements are arbitrary byte strings (TensorFlow's DT_STRING).
 */
public enum DataType {
  FP32("FP32", "DT_FLOAT"),
  FP64("FP64", "DT_DOUBLE"),
  INT32("INT32", "DT_INT32"),
  INT64("INT64", "DT_INT64"),
  BOOL("BOOL", "DT_BOOL"),
  BYTES("BYTES", "DT_STRING");

  private final String v2Name;
  private final String tfName;

  DataType(String v2Name, String tfName) {
    this.v2Name = v2Name;
    this.tfName = tfName;
  }

  /** The KServe V2 datatype name, e.g. {@code FP32}. */
  public String v2Name() {
    return v2Name;
  }

  /** The TensorFlow DataType enum name, e.g. {@code DT_FLOAT}. */
  public String tfName() {
    return tfName;
  }

  public static Optional<DataType> fromV2Name(String name) {
    for (DataType type : values()) {
      if (type.v2Name.equals(name)) return Optional.of(type);
    }
    return Optional.empty();
  }

  public static Optional<DataType> fromTfName(String name) {
    for (DataType type : values()) {
      if (type.tfName.equals(name)) return Optional.of(type);
    }
    return Optional.empty();
  }
}
