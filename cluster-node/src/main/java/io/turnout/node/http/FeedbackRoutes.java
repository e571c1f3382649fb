package io.turnout.node.http;

import io.turnout.node.feedback.FeedbackRefusal;
import io.turnout.node.feedback.RewardFeedback;
import io.turnout.node.feedback.RewardFeedback.Outcome;
import io.turnout.node.feedback.RewardFeedback.Refused;
import io.turnout.node.http.codec.FeedbackJson;
import io.turnout.node.http.codec.FeedbackJson.FeedbackRequest;
import io.turnout.node.http.codec.FeedbackJson.Item;
import io.turnout.node.http.codec.FeedbackJson.Reward;
import io.turnout.node.http.codec.FeedbackJson.Unreadable;
import io.turnout.node.http.codec.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/feedback}: rewards for earlier predictions, named by their signed
 * {@code Turnout-Request-Id}. One reward answers 200 when accepted or a duplicate, else its
 * refusal's status; a readable batch always answers 200 with each item's outcome and the totals,
 * since its items succeed and fail one by one. Translates only: {@link RewardFeedback} decides.
 */
final class FeedbackRoutes extends AllDirectives {
  private final Edge edge;
  private final RewardFeedback feedback;

  FeedbackRoutes(Edge edge, RewardFeedback feedback) {
    this.edge = edge;
    this.feedback = feedback;
  }

  Route routes() {
    return path(PathMatchers.segment("v1").slash("feedback"),
        () -> post(() -> extractRequestEntity(entity -> completeWithFuture(submit(entity)))));
  }

  private CompletionStage<HttpResponse> submit(HttpEntity entity) {
    return edge.body(entity, feedback.settings().maxBody()).thenApply(this::answer).exceptionally(error -> {
      if (Edge.unwrap(error) instanceof Edge.EdgeException failed) {
        FeedbackRefusal reason = failed.status.intValue() == 413 ? FeedbackRefusal.TOO_LARGE : FeedbackRefusal.MALFORMED_REQUEST;
        return refused(feedback.refuse(reason, failed.getMessage()));
      }
      return Edge.failure(error);
    });
  }

  private HttpResponse answer(byte[] body) {
    FeedbackRequest request;
    try {
      request = FeedbackJson.parse(body, feedback.settings().maxBatch());
    } catch (InvalidInputException e) {
      return refused(feedback.refuse(FeedbackRefusal.MALFORMED_REQUEST, e.getMessage()));
    } catch (FeedbackJson.TooManyItems e) {
      return refused(feedback.refuse(FeedbackRefusal.TOO_LARGE, e.getMessage()));
    }
    List<Outcome> outcomes = new ArrayList<>(request.items().size());
    for (Item item : request.items()) outcomes.add(submit(item));
    if (request.batch()) return Edge.json(StatusCodes.OK, FeedbackJson.batch(outcomes));
    Outcome outcome = outcomes.get(0);
    return outcome instanceof Refused refused ? refused(refused) : Edge.json(StatusCodes.OK, FeedbackJson.single(outcome));
  }

  private Outcome submit(Item item) {
    if (item instanceof Reward reward) return feedback.submit(reward.requestId(), reward.reward());
    Unreadable unreadable = (Unreadable) item;
    return feedback.refuse(unreadable.reason(), unreadable.message());
  }

  private static HttpResponse refused(Refused refused) {
    return Edge.json(StatusCodes.get(refused.reason().status()), FeedbackJson.single(refused));
  }
}
