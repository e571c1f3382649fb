package io.turnout.node.http.codec;

import io.turnout.protocol.DataType;

/** What differs between the two APIs when a tensor is read from JSON. */
enum Dialect {
  /** TF Serving: TensorFlow type names, {@code {"b64": ...}} strings, bare NaN/Infinity tokens. */
  TF_SERVING,
  /** KServe V2: V2 type names, plain strings only; strict JSON, so non-finite floats come as strings. */
  V2;

  String typeName(DataType type) {
    return this == TF_SERVING ? type.tfName() : type.v2Name();
  }

  boolean base64Objects() {
    return this == TF_SERVING;
  }

  boolean nonFiniteAsStrings() {
    return this == V2;
  }
}
