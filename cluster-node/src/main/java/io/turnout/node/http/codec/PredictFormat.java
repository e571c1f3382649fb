package io.turnout.node.http.codec;

/** The two request layouts of TF Serving's predict API; the reply uses the same one. */
public enum PredictFormat {
  /** {@code "instances": [...]}: one entry per batch row; answered with {@code "predictions"}. */
  ROW,
  /** {@code "inputs": ...}: whole tensors, batch dimension included; answered with {@code "outputs"}. */
  COLUMNAR
}
