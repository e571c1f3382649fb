package io.turnout.node.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.rollout.RoutingTable;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class PublishedViewTest {
  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static ServingView withModel(String model) {
    return new ServingView(Map.of(model, new TreeMap<>()), Map.<String, RoutingTable>of());
  }

  private CompletableFuture<ServingView> await(PublishedView view, String model, Duration max) {
    return view.await(v -> v.knows(model), max, KIT.system().scheduler(), KIT.system().executionContext())
        .toCompletableFuture();
  }

  @Test
  void aViewThatAlreadySatisfiesAnswersAtOnce() {
    PublishedView view = new PublishedView();
    view.publish(withModel("iris"));
    assertTrue(await(view, "iris", Duration.ofSeconds(30)).isDone());
    assertEquals(0, view.waiting());
  }

  @Test
  void theWaiterWakesOnThePublishThatSatisfiesIt() throws Exception {
    PublishedView view = new PublishedView();
    CompletableFuture<ServingView> seen = await(view, "iris", Duration.ofSeconds(30));
    view.publish(withModel("wide"));
    assertFalse(seen.isDone());
    assertEquals(1, view.waiting());
    ServingView iris = withModel("iris");
    view.publish(iris);
    assertSame(iris, seen.get(5, TimeUnit.SECONDS));
    assertEquals(0, view.waiting());
  }

  @Test
  void pastTheDeadlineTheWaiterGetsTheViewAsItIsAndIsForgotten() throws Exception {
    PublishedView view = new PublishedView();
    ServingView wide = withModel("wide");
    view.publish(wide);
    long started = System.nanoTime();
    CompletableFuture<ServingView> seen = await(view, "iris", Duration.ofMillis(200));
    assertSame(wide, seen.get(5, TimeUnit.SECONDS));
    assertTrue(System.nanoTime() - started >= Duration.ofMillis(200).toNanos());
    assertEquals(0, view.waiting());
  }

  @Test
  void aZeroWaitDoesNotWait() {
    PublishedView view = new PublishedView();
    assertTrue(await(view, "iris", Duration.ZERO).isDone());
    assertEquals(0, view.waiting());
  }
}
