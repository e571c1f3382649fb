package io.turnout.protocol;

import java.util.List;

/**
 * What a signature says of one input or output: its name in the signature, element type and shape,
 * with -1 for a dimension of any size (usually the batch dimension). {@code dims} is null when the
 * rank itself is unknown.
 */
public record TensorSpec(String name, DataType dataType, List<Long> dims) implements ClusterMessage {

  public TensorSpec {
    dims = dims == null ? null : List.copyOf(dims);
  }

  public boolean rankKnown() {
    return dims != null;
  }

  /** True when the first dimension may take any size, so requests can be merged along it. */
  public boolean batchable() {
    return dims != null && !dims.isEmpty() && dims.get(0) == -1L;
  }

  /** Whether a tensor of this shape fits: same rank, and every fixed dimension equal. */
  public boolean accepts(long[] shape) {
    if (dims == null) return true;
    if (shape.length != dims.size()) return false;
    for (int i = 0; i < shape.length; i++) {
      long dim = dims.get(i);
      if (dim >= 0 && dim != shape[i]) return false;
    }
    return true;
  }
}
