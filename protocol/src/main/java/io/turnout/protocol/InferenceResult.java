package io.turnout.protocol;

import java.util.Map;

/** Named output tensors in signature order, as computed by one replica of {@code version}. */
public record InferenceResult(ModelVersionId version, Map<String, Tensor> outputs) implements ClusterMessage {

  public InferenceResult {
    outputs = Collections2.orderedCopy(outputs);
  }
}
