package io.turnout.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;

/** Messages used only by the serializer tests; registered in {@code application-test.conf}. */
final class KryoTestMessages {
  private KryoTestMessages() {}

  record Ping(String text, ActorRef<Pong> replyTo) implements ClusterMessage {}

  record Pong(String text) implements ClusterMessage {}

  record Infer(InferenceRequest request, ActorRef<InferenceResult> replyTo) implements ClusterMessage {}

  record ClassicEnvelope(org.apache.pekko.actor.ActorRef ref) implements ClusterMessage {}

  /** Collections as they arrive (not copied), and the JDK value types the protocol registers. */
  record Bag(
      List<String> list, Set<Long> set, Map<String, Integer> map, List<String> withNull,
      Instant at, Duration timeout, UUID id) implements ClusterMessage {}

  /** Registered, but holds anything: to see what happens to an unregistered class inside. */
  record Holder(ModelVersionId version, Object payload) implements ClusterMessage {}

  /** Same shape as {@link Fahrenheit}: bytes of one decode as the other unless ids are checked. */
  record Celsius(double degrees) implements ClusterMessage {}

  record Fahrenheit(double degrees) implements ClusterMessage {}

  /** Deliberately not registered. */
  record Unregistered(String text) implements ClusterMessage {}
}
