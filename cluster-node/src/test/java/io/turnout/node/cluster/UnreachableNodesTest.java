package io.turnout.node.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.Address;
import org.junit.jupiter.api.Test;

class UnreachableNodesTest {
  private static final Address LOCAL = new Address("pekko", "turnout");
  private static final Address NODE_2 = new Address("pekko", "turnout", "10.0.0.2", 7355);
  private static final Address NODE_3 = new Address("pekko", "turnout", "10.0.0.3", 7355);

  private final UnreachableNodes nodes = UnreachableNodes.ignoring();

  @Test
  void asksToANodeThatBecomesUnreachableEndAtOnceAndOthersWait() {
    CompletableFuture<String> toNode2 = nodes.guard(NODE_2, new CompletableFuture<>());
    CompletableFuture<String> toNode3 = nodes.guard(NODE_3, new CompletableFuture<>());
    CompletableFuture<String> local = nodes.guard(LOCAL, new CompletableFuture<>());

    nodes.unreachable(NODE_2);

    ExecutionException ended = assertThrows(ExecutionException.class, toNode2::get);
    assertInstanceOf(UnreachableNodes.NodeUnreachable.class, ended.getCause());
    assertFalse(toNode3.isDone());
    assertFalse(local.isDone());
  }

  @Test
  void anAskToAnUnreachableNodeEndsAsItStartsUntilTheNodeIsReachableAgain() {
    nodes.unreachable(NODE_2);
    assertTrue(nodes.guard(NODE_2, new CompletableFuture<>()).isCompletedExceptionally());

    nodes.reachable(NODE_2);
    assertFalse(nodes.guard(NODE_2, new CompletableFuture<>()).isDone());
  }

  @Test
  void anAnsweredAskIsForgottenAndKeepsItsAnswer() {
    CompletableFuture<String> reply = new CompletableFuture<>();
    assertSame(reply, nodes.guard(NODE_2, reply));
    reply.complete("42");

    nodes.unreachable(NODE_2);

    assertTrue(reply.isDone() && !reply.isCompletedExceptionally());
  }

  @Test
  void aRemovedNodesAsksEndAndItsAddressIsNotKeptUnreachable() {
    CompletableFuture<String> toNode3 = nodes.guard(NODE_3, new CompletableFuture<>());

    nodes.removed(NODE_3);

    assertTrue(toNode3.isCompletedExceptionally());
    assertFalse(nodes.guard(NODE_3, new CompletableFuture<>()).isDone());
  }
}
