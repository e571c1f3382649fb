package io.turnout.protocol;

import java.util.List;
import java.util.Map;

/**
 * Named input tensors for one signature, all sharing the same batch (first) dimension, and the
 * outputs wanted (empty: all of the signature's outputs).
 */
public record InferenceRequest(String signatureKey, Map<String, Tensor> inputs, List<String> outputs)
    implements ClusterMessage {

  public InferenceRequest {
    inputs = Collections2.orderedCopy(inputs);
    outputs = List.copyOf(outputs);
  }

  /** Rows in this request: the first dimension of its inputs. */
  public long rows() {
    return inputs.values().iterator().next().batchSize();
  }
}
