package io.turnout.node.http.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.turnout.protocol.DataType;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON of the KServe V2 Open Inference Protocol REST API (kserve/open-inference-protocol,
 * {@code inference_rest.md}): inference requests and replies, model and server metadata, errors.
 *
 * <p>The JSON is strict, so non-finite floats are written as the strings {@code "NaN"},
 * {@code "Infinity"} and {@code "-Infinity"} (the spec's tensor data allows strings) and read back
 * from them.
 */
public final class InferenceV2Json {
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // a key given twice is ambiguous: refuse it
      .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
      .build();
  private static final String NAME_A_SIGNATURE = "\"parameters\": {\"signature_name\": ...}";
  private static final String PLATFORM = "tensorflow_savedmodel";

  private InferenceV2Json() {}

  /**
   * Parses an {@code /infer} body against the signature named by {@code parameters.signature_name}
   * ({@code serving_default} if none).
   *
   * @throws InvalidInputException when the body is not a valid request for these signatures
   */
  public static V2Infer parseInfer(byte[] body, Map<String, ModelSignature> signatures) {
    Request request = JsonIo.read(JSON, body, p -> readRequest(p, body));
    ModelSignature signature = SignatureRules.resolve(signatures, request.signatureName, NAME_A_SIGNATURE);
    if (request.inputs == null) throw new InvalidInputException("the request needs \"inputs\"");
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (int i = 0; i < request.inputs.size(); i++) {
      Input input = request.inputs.get(i);
      TensorSpec spec = signature.inputs().get(input.name());
      if (spec == null) throw SignatureRules.unknownInput("inputs[" + i + "]", input.name(), signature);
      if (inputs.containsKey(input.name())) {
        throw new InvalidInputException("inputs[" + i + "] names input '" + input.name() + "' again");
      }
      DataType given = input.tensor().dataType();
      if (given != spec.dataType()) {
        throw new InvalidInputException("input '" + input.name() + "' has datatype " + given.v2Name()
            + ", but signature '" + signature.key() + "' expects " + spec.dataType().v2Name());
      }
      inputs.put(input.name(), input.tensor());
    }
    List<String> outputs = SignatureRules.checkOutputs(request.outputs, signature);
    return new V2Infer(
        request.id, new InferenceRequest(signature.key(), SignatureRules.checkInputs(inputs, signature), outputs));
  }

  /** The top level of an inference request. */
  private static final class Request {
    String id;
    String signatureName;
    List<Input> inputs;
    final List<String> outputs = new ArrayList<>();
  }

  private record Input(String name, Tensor tensor) {}

  private static Request readRequest(JsonParser p, byte[] body) throws IOException {
    Request request = new Request();
    for (JsonToken token = p.nextToken(); token == JsonToken.FIELD_NAME; token = p.nextToken()) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "id" -> request.id = string(p, "\"id\"");
        case "parameters" -> request.signatureName = readSignatureName(p);
        case "inputs" -> {
          JsonIo.expect(p, JsonToken.START_ARRAY, "\"inputs\" must be a list");
          request.inputs = new ArrayList<>();
          for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            request.inputs.add(readInput(p, body, request.inputs.size()));
          }
        }
        case "outputs" -> {
          JsonIo.expect(p, JsonToken.START_ARRAY, "\"outputs\" must be a list");
          for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            request.outputs.add(readOutputName(p, "outputs[" + request.outputs.size() + "]"));
          }
        }
        default -> p.skipChildren(); // extensions may add keys; they do not concern us
      }
    }
    return request;
  }

  /** The request's {@code parameters}: only {@code signature_name} matters here. */
  private static String readSignatureName(JsonParser p) throws IOException {
    JsonIo.expect(p, JsonToken.START_OBJECT, "\"parameters\" must be an object");
    String name = null;
    for (JsonToken token = p.nextToken(); token == JsonToken.FIELD_NAME; token = p.nextToken()) {
      String key = p.currentName();
      p.nextToken();
      if (key.equals("signature_name")) name = string(p, "parameters.signature_name");
      else p.skipChildren();
    }
    return name;
  }

  /**
   * One {@code {name, shape, datatype, data, parameters?}} input. The data is read where it stands
   * when the datatype came before it, as clients write it; otherwise it is read again afterwards.
   */
  private static Input readInput(JsonParser p, byte[] body, int index) throws IOException {
    String where = "inputs[" + index + "]";
    JsonIo.expect(p, JsonToken.START_OBJECT, where + " must be an object");
    String name = null;
    DataType type = null;
    long[] shape = null;
    TensorJsonReader data = null;
    long dataOffset = -1;
    for (JsonToken token = p.nextToken(); token == JsonToken.FIELD_NAME; token = p.nextToken()) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "name" -> name = string(p, where + ".name");
        case "datatype" -> type = dataType(string(p, where + ".datatype"), where);
        case "shape" -> shape = readShape(p, where + ".shape");
        case "data" -> {
          JsonIo.expect(p, JsonToken.START_ARRAY, where + ".data must be a list");
          if (type != null) {
            data = shape == null
                ? TensorJsonReader.ofValue(type, Dialect.V2, name, where + ".data")
                : TensorJsonReader.ofValue(type, Dialect.V2, name, where + ".data", expectedSize(shape, body, where));
            data.read(p);
          } else {
            dataOffset = JsonIo.offset(p);
            p.skipChildren();
          }
        }
        default -> p.skipChildren(); // "parameters" among them
      }
    }
    if (name == null) throw new InvalidInputException(where + " lacks \"name\"");
    if (type == null) throw new InvalidInputException(where + " lacks \"datatype\"");
    if (shape == null) throw new InvalidInputException(where + " lacks \"shape\"");
    if (data == null && dataOffset < 0) throw new InvalidInputException(where + " lacks \"data\"");
    if (data == null) {
      TensorJsonReader reader = TensorJsonReader.ofValue(type, Dialect.V2, name, where + ".data", expectedSize(shape, body, where));
      data = JsonIo.reread(JSON, body, dataOffset, q -> {
        reader.read(q);
        return reader;
      });
    }
    return new Input(name, tensor(data, shape, where));
  }

  /** Data may be flat in row-major order, or nested exactly as the shape says. */
  private static Tensor tensor(TensorJsonReader data, long[] shape, String where) {
    long count = elementCount(shape, where);
    if (data.rank() <= 1) {
      if (data.size() != count) {
        throw new InvalidInputException(where + ".data has " + data.size() + " elements, but shape "
            + Arrays.toString(shape) + " needs " + count);
      }
    } else if (!Arrays.equals(data.shape(), shape)) {
      throw new InvalidInputException(where + ".data is nested as " + Arrays.toString(data.shape())
          + ", but its shape is " + Arrays.toString(shape));
    }
    return data.toTensor(shape);
  }

  private static long elementCount(long[] shape, String where) {
    long count = 1;
    for (long dim : shape) {
      if (dim != 0 && count > Long.MAX_VALUE / dim) {
        throw new InvalidInputException(where + ".shape " + Arrays.toString(shape) + " is too large");
      }
      count *= dim;
    }
    return count;
  }

  /**
   * The number of elements the data should hold, to size its array up front: the declared shape's,
   * but never more than the body could hold (an element takes at least two bytes, with its comma),
   * so that a made-up shape cannot make us allocate more than the body's size.
   */
  private static int expectedSize(long[] shape, byte[] body, String where) {
    return (int) Math.min(elementCount(shape, where), body.length / 2 + 1);
  }

  private static long[] readShape(JsonParser p, String where) throws IOException {
    JsonIo.expect(p, JsonToken.START_ARRAY, where + " must be a list of integers");
    long[] dims = new long[4];
    int rank = 0;
    for (JsonToken token = p.nextToken(); token != JsonToken.END_ARRAY; token = p.nextToken()) {
      if (token != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw new InvalidInputException(where + "[" + rank + "] must be an integer, got " + JsonIo.describe(p));
      }
      long dim = p.getLongValue();
      if (dim < 0) throw new InvalidInputException(where + "[" + rank + "] is " + dim + ": dimensions must not be negative");
      if (rank == dims.length) dims = Arrays.copyOf(dims, rank * 2);
      dims[rank++] = dim;
    }
    return Arrays.copyOf(dims, rank);
  }

  private static String readOutputName(JsonParser p, String where) throws IOException {
    JsonIo.expect(p, JsonToken.START_OBJECT, where + " must be an object");
    String name = null;
    for (JsonToken token = p.nextToken(); token == JsonToken.FIELD_NAME; token = p.nextToken()) {
      String field = p.currentName();
      p.nextToken();
      if (field.equals("name")) name = string(p, where + ".name");
      else p.skipChildren();
    }
    if (name == null) throw new InvalidInputException(where + " lacks \"name\"");
    return name;
  }

  private static DataType dataType(String name, String where) {
    return DataType.fromV2Name(name).orElseThrow(() -> new InvalidInputException(
        where + ".datatype \"" + name + "\" is not supported; use one of "
            + Arrays.stream(DataType.values()).map(DataType::v2Name).toList()));
  }

  private static String string(JsonParser p, String what) throws IOException {
    JsonIo.expect(p, JsonToken.VALUE_STRING, what + " must be a string");
    return p.getText();
  }

  /**
   * The inference reply: model name and version, the request's id when it had one, and each output
   * with its datatype, shape and flat row-major data.
   *
   * @param requestId the id from the request, or null to leave it out
   */
  public static byte[] inferResponse(ModelVersionId id, String requestId, InferenceResult result) {
    return JsonIo.write(JSON, g -> {
      g.writeStartObject();
      g.writeStringField("model_name", id.model());
      g.writeStringField("model_version", Long.toString(id.version()));
      if (requestId != null) g.writeStringField("id", requestId);
      g.writeArrayFieldStart("outputs");
      for (Map.Entry<String, Tensor> output : result.outputs().entrySet()) {
        Tensor tensor = output.getValue();
        g.writeStartObject();
        g.writeStringField("name", output.getKey());
        g.writeStringField("datatype", tensor.dataType().v2Name());
        g.writeFieldName("shape");
        g.writeArray(tensor.shape(), 0, tensor.rank());
        g.writeFieldName("data");
        TensorJsonWriter.writeFlat(g, tensor, TensorJsonWriter.Bytes.TEXT);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /**
   * The model metadata reply for one signature (the one requests use by default). Variable
   * dimensions are -1; a tensor of unknown rank, which V2 cannot express, is reported as {@code [-1]}.
   */
  public static byte[] modelMetadata(String model, List<Long> versions, ModelSignature signature) {
    return JsonIo.write(JSON, g -> {
      g.writeStartObject();
      g.writeStringField("name", model);
      g.writeArrayFieldStart("versions");
      for (long version : versions) g.writeString(Long.toString(version));
      g.writeEndArray();
      g.writeStringField("platform", PLATFORM);
      writeTensorMetadata(g, "inputs", signature.inputs());
      writeTensorMetadata(g, "outputs", signature.outputs());
      g.writeEndObject();
    });
  }

  private static void writeTensorMetadata(JsonGenerator g, String field, Map<String, TensorSpec> specs)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (Map.Entry<String, TensorSpec> entry : specs.entrySet()) {
      TensorSpec spec = entry.getValue();
      g.writeStartObject();
      g.writeStringField("name", entry.getKey());
      g.writeStringField("datatype", spec.dataType().v2Name());
      g.writeArrayFieldStart("shape");
      if (spec.rankKnown()) {
        for (long dim : spec.dims()) g.writeNumber(dim);
      } else {
        g.writeNumber(-1);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** The server metadata reply: {@code {"name", "version", "extensions": [...]}}. */
  public static byte[] serverMetadata(String name, String version, List<String> extensions) {
    return JsonIo.write(JSON, g -> {
      g.writeStartObject();
      g.writeStringField("name", name);
      g.writeStringField("version", version);
      g.writeArrayFieldStart("extensions");
      for (String extension : extensions) g.writeString(extension);
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /** {@code {"error": "<message>"}}, the V2 error body of every endpoint: the same as TF Serving's. */
  public static byte[] error(String message) {
    return TfServingJson.error(message);
  }
}
