package io.turnout.node.replica;

import io.turnout.protocol.DataType;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Merging requests into one batch along the first dimension, and splitting the outputs back. */
final class TensorBatches {
  private TensorBatches() {}

  /**
   * Requests with equal keys can share one TensorFlow call: same signature, same outputs and the
   * same shape past the batch dimension. A signature whose tensors do not all have a variable first
   * dimension cannot be batched, so each of its requests gets a key of its own.
   */
  static Object batchKey(ModelSignature signature, InferenceRequest request) {
    if (!batchable(signature)) return new Object();
    List<Object> key = new ArrayList<>(2 + request.inputs().size() * 2);
    key.add(request.signatureKey());
    key.add(request.outputs());
    for (Map.Entry<String, Tensor> input : request.inputs().entrySet()) {
      long[] shape = input.getValue().shape();
      key.add(input.getKey());
      key.add(Arrays.stream(shape, 1, shape.length).boxed().toList());
    }
    return key;
  }

  static boolean batchable(ModelSignature signature) {
    return signature.inputs().values().stream().allMatch(TensorSpec::batchable)
        && signature.outputs().values().stream().allMatch(TensorSpec::batchable);
  }

  /** Concatenates the inputs of requests that share a batch key. */
  static Map<String, Tensor> merge(List<InferenceRequest> requests) {
    if (requests.size() == 1) return requests.get(0).inputs();
    Map<String, Tensor> merged = new LinkedHashMap<>();
    for (String name : requests.get(0).inputs().keySet()) {
      List<Tensor> parts = new ArrayList<>(requests.size());
      for (InferenceRequest request : requests) parts.add(request.inputs().get(name));
      merged.put(name, concat(parts));
    }
    return merged;
  }

  static Tensor concat(List<Tensor> parts) {
    Tensor first = parts.get(0);
    DataType dataType = first.dataType();
    long rows = 0;
    int elements = 0;
    for (Tensor part : parts) {
      rows += part.shape()[0];
      elements += part.elementCount();
    }
    Object data = Tensor.allocate(dataType, elements);
    int offset = 0;
    for (Tensor part : parts) {
      System.arraycopy(part.data(), 0, data, offset, part.elementCount());
      offset += part.elementCount();
    }
    long[] shape = first.shape().clone();
    shape[0] = rows;
    return Tensor.of(dataType, shape, data);
  }

  /** Splits batch outputs into consecutive slices of {@code rows[i]} rows, one per request. */
  static List<Map<String, Tensor>> split(Map<String, Tensor> outputs, long[] rows) {
    if (rows.length == 1) return List.of(outputs);
    List<Map<String, Tensor>> slices = new ArrayList<>(rows.length);
    for (int i = 0; i < rows.length; i++) slices.add(new LinkedHashMap<>());
    for (Map.Entry<String, Tensor> output : outputs.entrySet()) {
      Tensor tensor = output.getValue();
      long total = Arrays.stream(rows).sum();
      if (tensor.rank() == 0 || tensor.shape()[0] != total) {
        throw new IllegalStateException("output " + output.getKey() + " has shape " + Arrays.toString(tensor.shape())
            + ", not " + total + " rows, so the batch cannot be split");
      }
      int perRow = total == 0 ? 0 : (int) (tensor.elementCount() / total);
      int offset = 0;
      for (int i = 0; i < rows.length; i++) {
        int length = (int) rows[i] * perRow;
        Object data = Tensor.allocate(tensor.dataType(), length);
        System.arraycopy(tensor.data(), offset, data, 0, length);
        offset += length;
        long[] shape = tensor.shape().clone();
        shape[0] = rows[i];
        slices.get(i).put(output.getKey(), Tensor.of(tensor.dataType(), shape, data));
      }
    }
    return slices;
  }
}
