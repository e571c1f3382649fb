package io.turnout.node.http.codec;

import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What both APIs check of parsed inputs against the model's signature, with the same messages. */
final class SignatureRules {
  private SignatureRules() {}

  /**
   * The signature named by the request, or {@code serving_default} when it names none.
   *
   * @param howToName how a client names a signature in this API, for the hint in the error
   */
  static ModelSignature resolve(Map<String, ModelSignature> signatures, String requested, String howToName) {
    String key = requested == null ? ModelSignature.DEFAULT_KEY : requested;
    ModelSignature signature = signatures.get(key);
    if (signature != null) return signature;
    String available = JsonIo.names(signatures.keySet());
    if (requested == null) {
      throw new InvalidInputException("the model has no '" + ModelSignature.DEFAULT_KEY
          + "' signature; choose one with " + howToName + ": " + available);
    }
    throw new InvalidInputException("signature '" + key + "' not found; available signatures: " + available);
  }

  static InvalidInputException unknownInput(String where, String name, ModelSignature signature) {
    return new InvalidInputException(where + " names unknown input '" + name + "'; signature '"
        + signature.key() + "' takes: " + JsonIo.names(signature.inputs().keySet()));
  }

  /**
   * Checks the inputs, all known to the signature, against it: none missing, empty batches, shapes,
   * and one batch size shared by the inputs whose first dimension is the batch.
   *
   * @return the inputs in the signature's order
   */
  static Map<String, Tensor> checkInputs(Map<String, Tensor> inputs, ModelSignature signature) {
    Map<String, Tensor> ordered = new LinkedHashMap<>();
    String batchInput = null;
    long batch = -1;
    for (Map.Entry<String, TensorSpec> entry : signature.inputs().entrySet()) {
      String name = entry.getKey();
      TensorSpec spec = entry.getValue();
      Tensor tensor = inputs.get(name);
      if (tensor == null) {
        throw new InvalidInputException("missing input '" + name + "'; signature '" + signature.key()
            + "' takes: " + JsonIo.names(signature.inputs().keySet()));
      }
      long[] shape = tensor.shape();
      // Checked before the shape so that [] reads as "empty batch", not as a rank mismatch.
      if (spec.batchable() && shape.length > 0 && shape[0] == 0) {
        throw new InvalidInputException("input '" + name + "' has an empty batch (first dimension 0)");
      }
      if (!spec.accepts(shape)) {
        throw new InvalidInputException("input '" + name + "' has shape " + Arrays.toString(shape)
            + ", but signature '" + signature.key() + "' expects " + spec.dims() + " (-1: any size)");
      }
      if (spec.batchable()) {
        if (batchInput == null) {
          batchInput = name;
          batch = shape[0];
        } else if (shape[0] != batch) {
          throw new InvalidInputException("inputs have different batch sizes: '" + batchInput + "' has " + batch
              + ", '" + name + "' has " + shape[0]);
        }
      }
      ordered.put(name, tensor);
    }
    return ordered;
  }

  /** The requested outputs, each known to the signature, duplicates dropped. */
  static List<String> checkOutputs(List<String> requested, ModelSignature signature) {
    for (String name : requested) {
      if (!signature.outputs().containsKey(name)) {
        throw new InvalidInputException("unknown output '" + name + "'; signature '" + signature.key()
            + "' has outputs: " + JsonIo.names(signature.outputs().keySet()));
      }
    }
    return requested.stream().distinct().toList();
  }
}
