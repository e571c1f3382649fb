package io.turnout.node.replica;

import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * What a replica checks before a request joins a batch, so that one caller's bad tensor fails that
 * caller alone and never the batch it would have shared. The HTTP codecs check the same things
 * with friendlier wording; this guard is for callers that reach replicas by other paths.
 */
final class RequestCheck {
  private RequestCheck() {}

  static Optional<String> problem(Map<String, ModelSignature> signatures, InferenceRequest request) {
    ModelSignature signature = signatures.get(request.signatureKey());
    if (signature == null) {
      return Optional.of("unknown signature '" + request.signatureKey() + "', the model has " + signatures.keySet());
    }
    if (request.inputs().isEmpty()) return Optional.of("the request has no inputs");
    if (!request.inputs().keySet().equals(signature.inputs().keySet())) {
      return Optional.of("inputs " + request.inputs().keySet() + " do not match the signature's "
          + signature.inputs().keySet());
    }
    for (String output : request.outputs()) {
      if (!signature.outputs().containsKey(output)) {
        return Optional.of("unknown output '" + output + "', the signature has " + signature.outputs().keySet());
      }
    }
    long rows = -1;
    for (Map.Entry<String, Tensor> input : request.inputs().entrySet()) {
      TensorSpec spec = signature.inputs().get(input.getKey());
      Tensor tensor = input.getValue();
      if (tensor.dataType() != spec.dataType()) {
        return Optional.of("input '" + input.getKey() + "' is " + tensor.dataType() + ", the model expects " + spec.dataType());
      }
      if (!spec.accepts(tensor.shape())) {
        return Optional.of("input '" + input.getKey() + "' has shape " + Arrays.toString(tensor.shape())
            + ", the model expects " + spec.dims());
      }
      if (spec.batchable()) {
        if (rows >= 0 && tensor.shape()[0] != rows) {
          return Optional.of("inputs have different batch sizes (" + rows + " and " + tensor.shape()[0] + ")");
        }
        rows = tensor.shape()[0];
      }
    }
    if (rows == 0) return Optional.of("the batch is empty");
    return Optional.empty();
  }
}
