package io.turnout.node.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The stages Pekko returns to Java (toStrict, AskPattern.ask) are Scala FutureConverters futures
 * whose plain thenApply, exceptionally and friends run as their Async forms on the default
 * executor; on two cores that is a new thread per callback (measured: two per request, and most of
 * the node's CPU). Bridging once into a plain CompletableFuture, completed on the thread that
 * completes the Pekko stage, keeps every later callback on that thread.
 */
final class Stages {
  private Stages() {}

  static <T> CompletableFuture<T> plain(CompletionStage<T> pekkoStage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    pekkoStage.whenCompleteAsync((value, error) -> {
      if (error == null) {
        plain.complete(value);
      } else {
        plain.completeExceptionally(error);
      }
    }, Runnable::run);
    return plain;
  }
}
