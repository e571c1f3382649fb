package io.turnout.protocol;

import java.util.Map;

/**
 * One signature of a SavedModel: its key (e.g. {@code serving_default}), the method name and its
 * named inputs and outputs, in the order the model declares them.
 */
public record ModelSignature(
    String key, String methodName, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs)
    implements ClusterMessage {

  public static final String DEFAULT_KEY = "serving_default";

  public ModelSignature {
    inputs = Collections2.orderedCopy(inputs);
    outputs = Collections2.orderedCopy(outputs);
  }
}
