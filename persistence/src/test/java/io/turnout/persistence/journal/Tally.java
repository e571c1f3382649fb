package io.turnout.persistence.journal;

import io.turnout.protocol.ClusterMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A tiny event-sourced counter, the entity of the journal tests: every {@link Add} is an event, a
 * snapshot follows every third event, and after recovery it reports how many events it replayed on
 * top of the snapshot it loaded. Messages, events and state go through the Kryo serializer
 * (registered in {@code application-test.conf}).
 */
final class Tally extends EventSourcedBehaviorWithEnforcedReplies<Tally.Command, Tally.Added, Tally.Total> {

  interface Command extends ClusterMessage {}

  record Add(int amount, ActorRef<Total> replyTo) implements Command {}

  record Get(ActorRef<Total> replyTo) implements Command {}

  record Added(int amount) implements ClusterMessage {}

  /** The state: the sum and how many events made it. */
  record Total(int sum, int events) implements ClusterMessage {
    Total plus(Added added) {
      return new Total(sum + added.amount(), events + 1);
    }
  }

  /** Told once recovery completes. */
  record Recovered(Total total, int eventsReplayed) implements ClusterMessage {}

  static final int SNAPSHOT_EVERY = 3;

  private final ActorRef<Recovered> recoveries;
  // Test instrumentation, not state: event-handler calls before RecoveryCompleted are replays.
  private boolean recovering = true;
  private int replayed;

  private Tally(PersistenceId id, ActorRef<Recovered> recoveries) {
    super(id);
    this.recoveries = recoveries;
  }

  static Behavior<Command> create(String id, ActorRef<Recovered> recoveries) {
    return Behaviors.setup(context -> new Tally(PersistenceId.ofUniqueId(id), recoveries));
  }

  @Override
  public Total emptyState() {
    return new Total(0, 0);
  }

  @Override
  public CommandHandlerWithReply<Command, Added, Total> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Add.class, (state, add) -> Effect().persist(new Added(add.amount())).thenReply(add.replyTo(), now -> now))
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), state))
        .build();
  }

  @Override
  public EventHandler<Total, Added> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Added.class, (state, added) -> {
          if (recovering) replayed++;
          return state.plus(added);
        })
        .build();
  }

  @Override
  public SignalHandler<Total> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          recovering = false;
          recoveries.tell(new Recovered(state, replayed));
        })
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }
}
