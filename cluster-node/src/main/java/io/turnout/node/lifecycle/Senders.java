package io.turnout.node.lifecycle;

import java.util.function.Consumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The parent of the actors that message sharded entities on a timer (the replica keeper, the
 * window reporter), so the drain can stop them all at once before the hand-off.
 */
public final class Senders {
  private Senders() {}

  public enum Stop implements NoSerializationVerificationNeeded { INSTANCE }

  /** @param spawn spawns the senders as children of the given context */
  public static Behavior<Stop> create(Consumer<ActorContext<Stop>> spawn) {
    return Behaviors.setup(context -> {
      spawn.accept(context);
      return Behaviors.receiveMessage(stop -> Behaviors.stopped());
    });
  }
}
