package io.turnout.node.http.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.feedback.FeedbackRefusal;
import io.turnout.node.feedback.RewardFeedback.Accepted;
import io.turnout.node.feedback.RewardFeedback.Duplicate;
import io.turnout.node.feedback.RewardFeedback.Outcome;
import io.turnout.node.feedback.RewardFeedback.Refused;
import io.turnout.protocol.ModelVersionId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * {@code POST /v1/feedback} bodies and replies. A body is one reward,
 * {@code {"request_id": "…", "reward": 1}}, or a batch, {@code {"feedback": [{…}, …]}}. A batch item
 * that cannot be read is refused alone; a body that cannot be read is refused whole.
 */
public final class FeedbackJson {
  static final String REQUEST_ID = "request_id";
  static final String REWARD = "reward";
  static final String FEEDBACK = "feedback";

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // a key given twice is ambiguous: refuse it
      .build();
  private static final ObjectMapper MAPPER = new ObjectMapper(JSON)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private FeedbackJson() {}

  /** A body as read: one item, or a batch of them. */
  public record FeedbackRequest(boolean batch, List<Item> items) {}

  /** One item: a reward to submit, or why it cannot be read. */
  public sealed interface Item permits Reward, Unreadable {}

  public record Reward(String requestId, double reward) implements Item {}

  public record Unreadable(FeedbackRefusal reason, String message) implements Item {}

  /** A batch with more items than allowed. */
  public static final class TooManyItems extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooManyItems(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Reads a body; throws {@link InvalidInputException} when it is not one of the two shapes and
   * {@link TooManyItems} for a batch over {@code maxBatch} items.
   */
  public static FeedbackRequest parse(byte[] body, int maxBatch) {
    if (body.length == 0) throw new InvalidInputException("invalid JSON: the request body is empty");
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw JsonIo.invalidJson(e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from memory failed", e);
    }
    if (root == null || !root.isObject()) throw new InvalidInputException("the request body must be a JSON object");
    if (!root.has(FEEDBACK)) {
      Item item = item(root, "the request body");
      if (item instanceof Unreadable unreadable && unreadable.reason() == FeedbackRefusal.MALFORMED_REQUEST) {
        throw new InvalidInputException(unreadable.message());
      }
      return new FeedbackRequest(false, List.of(item));
    }
    if (root.size() != 1) {
      throw new InvalidInputException("a batch has only the field \"feedback\"; put request_id and reward in its items");
    }
    JsonNode list = root.get(FEEDBACK);
    if (!list.isArray()) throw new InvalidInputException("\"feedback\" must be a list of {\"request_id\", \"reward\"} objects");
    if (list.isEmpty()) throw new InvalidInputException("\"feedback\" is an empty list");
    if (list.size() > maxBatch) {
      throw new TooManyItems("the batch has " + list.size() + " items; at most " + maxBatch + " are accepted at once");
    }
    List<Item> items = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) items.add(item(list.get(i), "feedback[" + i + "]"));
    return new FeedbackRequest(true, List.copyOf(items));
  }

  private static Item item(JsonNode node, String where) {
    if (!node.isObject()) {
      return new Unreadable(FeedbackRefusal.MALFORMED_REQUEST, where + " must be an object with request_id and reward");
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals(REQUEST_ID) && !name.equals(REWARD)) {
        return new Unreadable(FeedbackRefusal.MALFORMED_REQUEST, where + " has an unknown field \"" + name
            + "\"; feedback has request_id and reward");
      }
    }
    JsonNode id = node.get(REQUEST_ID);
    if (id == null || !id.isTextual()) {
      return new Unreadable(FeedbackRefusal.MALFORMED_ID, where + (id == null ? " has no request_id"
          : " has a request_id that is not a string") + " (the Turnout-Request-Id header of the prediction's reply)");
    }
    JsonNode reward = node.get(REWARD);
    if (reward == null || !reward.isNumber()) {
      return new Unreadable(FeedbackRefusal.INVALID_REWARD, where + (reward == null ? " has no reward"
          : " has a reward that is not a number: " + shorten(reward.toString())));
    }
    return new Reward(id.textValue(), reward.doubleValue());
  }

  private static String shorten(String text) {
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }

  /** The reply to one reward: the outcome and the version it counts for, or the refusal. */
  public static byte[] single(Outcome outcome) {
    return JsonIo.write(JSON, g -> writeOutcome(g, outcome));
  }

  /** The reply to a batch: totals, then each item's outcome in the order given. */
  public static byte[] batch(List<Outcome> outcomes) {
    long accepted = outcomes.stream().filter(Accepted.class::isInstance).count();
    long duplicates = outcomes.stream().filter(Duplicate.class::isInstance).count();
    return JsonIo.write(JSON, g -> {
      g.writeStartObject();
      g.writeNumberField("accepted", accepted);
      g.writeNumberField("duplicates", duplicates);
      g.writeNumberField("refused", outcomes.size() - accepted - duplicates);
      g.writeArrayFieldStart("results");
      for (Outcome outcome : outcomes) writeOutcome(g, outcome);
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private static void writeOutcome(JsonGenerator g, Outcome outcome) throws IOException {
    g.writeStartObject();
    if (outcome instanceof Accepted accepted) {
      writeVersion(g, "accepted", accepted.version());
    } else if (outcome instanceof Duplicate duplicate) {
      writeVersion(g, "duplicate", duplicate.version());
    } else {
      Refused refused = (Refused) outcome;
      g.writeStringField("outcome", "refused");
      g.writeStringField("reason", refused.reason().wireName());
      g.writeStringField("error", refused.message());
    }
    g.writeEndObject();
  }

  private static void writeVersion(JsonGenerator g, String outcome, ModelVersionId version) throws IOException {
    g.writeStringField("outcome", outcome);
    g.writeStringField("model", version.model());
    g.writeNumberField("version", version.version());
  }
}
