package io.turnout.persistence.rollout;

import io.turnout.persistence.rollout.RolloutState.HistoryEntry;
import io.turnout.persistence.rollout.RolloutState.Rollout;
import io.turnout.persistence.rollout.strategy.Decision;
import io.turnout.persistence.rollout.strategy.Observation;
import io.turnout.persistence.rollout.strategy.PhaseProgress;
import io.turnout.persistence.rollout.strategy.PhaseStrategy;
import io.turnout.persistence.rollout.strategy.RolloutContext;
import io.turnout.persistence.rollout.strategy.RoutingTables;
import io.turnout.persistence.rollout.strategy.Traffic;
import io.turnout.protocol.ClusterMessage;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One per model, sharded by model name, event-sourced in Cassandra: drives a rollout plan through
 * its phases. Every second it asks the current phase's strategy what to do with what the edges
 * reported since the step began, and persists the decision as events; every traffic change is a
 * {@link WeightsChanged} carrying the whole new routing table, which goes to every node through
 * Distributed Data. The event history is the audit log. Users pause, resume, promote, abort and
 * set weights by hand; conflicting commands are refused and change nothing.
 */
public final class RolloutCoordinator extends EventSourcedBehaviorWithEnforcedReplies<
    RolloutCoordinator.Command, RolloutCoordinator.Event, RolloutState> {

  // ---- protocol ----

  public interface Command extends ClusterMessage {}

  /**
   * Starts {@code plan}. {@code currentStable} is the version serving today, used when this model
   * has no stable version yet; replica counts are the registered ones of stable and target, and in
   * {@code armReplicas} of every other version the plan's phases name.
   */
  public record StartRollout(RolloutPlan plan, long currentStable, int stableReplicas, int targetReplicas,
      Map<Long, Integer> armReplicas, String by, ActorRef<Result> replyTo) implements Command {
    public StartRollout {
      armReplicas = Map.copyOf(armReplicas);
    }

    /** A plan that names no version besides stable and target. */
    public StartRollout(RolloutPlan plan, long currentStable, int stableReplicas, int targetReplicas, String by,
        ActorRef<Result> replyTo) {
      this(plan, currentStable, stableReplicas, targetReplicas, Map.of(), by, replyTo);
    }
  }

  public record Pause(String by, ActorRef<Result> replyTo) implements Command {}

  public record Resume(String by, ActorRef<Result> replyTo) implements Command {}

  /** Skips the remaining phases: all traffic to the target, which becomes stable. */
  public record Promote(String by, ActorRef<Result> replyTo) implements Command {}

  /** Rolls back by hand: all traffic to stable, the target's replicas stop. */
  public record Abort(String by, String reason, ActorRef<Result> replyTo) implements Command {}

  /** Sets the split between stable and target by hand; the rollout pauses until resumed. */
  public record SetWeights(List<WeightedVersion> weights, String by, ActorRef<Result> replyTo) implements Command {}

  public record GetStatus(ActorRef<RolloutStatus> replyTo) implements Command {}

  /** History entries after {@code afterSequence} (0: from the start), at most {@code limit}. */
  public record GetHistory(long afterSequence, int limit, ActorRef<HistoryPage> replyTo) implements Command {}

  /**
   * What one node's edge saw of this model's versions in the last interval, and the ready replicas
   * per version it knows of (cluster-wide, from the Receptionist).
   */
  public record ReportWindows(String node, Map<Long, VersionWindow> windows, Map<Long, Integer> readyReplicas)
      implements Command {}

  /**
   * Evaluates the current phase now, as the coordinator's timer does every evaluation interval:
   * for tests that drive a controlled clock, and for operators who do not want to wait for the next
   * tick. Harmless at any time: a phase decides from a snapshot, so evaluating twice in a row
   * changes nothing the second time. No reply.
   */
  public enum EvaluateNow implements Command { INSTANCE }

  public sealed interface Result extends ClusterMessage permits Accepted, Refused {}

  public record Accepted(RolloutStatus status) implements Result {}

  public record Refused(Refusal refusal, String message) implements Result {}

  /** CONFLICT: the command does not fit the rollout's state (409); INVALID: the command itself is wrong (422). */
  public enum Refusal { CONFLICT, INVALID }

  /** The state without its history, plus what the current step has seen so far. */
  public record RolloutStatus(String model, long stableVersion, RoutingTable table, Rollout active, String lastDecision,
      Map<Long, VersionWindow> sinceStep, Map<Long, Integer> readyReplicas) implements ClusterMessage {}

  public record HistoryPage(List<HistoryEntry> entries, long lastSequence) implements ClusterMessage {}

  // ---- events: facts with time, actor (a user, or "gate") and cause ----

  public sealed interface Event extends ClusterMessage {
    Instant at();

    String by();

    /** One line for the audit log. */
    String detail();
  }

  public record RolloutStarted(RolloutPlan plan, long stableVersion, int stableReplicas, int targetReplicas,
      Map<Long, Integer> armReplicas, String by, Instant at) implements Event {
    public RolloutStarted {
      armReplicas = Map.copyOf(armReplicas);
    }

    public String detail() {
      return "version " + plan.targetVersion() + " over " + stableVersion + " through "
          + plan.phases().stream().map(PhaseSpec::kind).toList();
    }
  }

  public record PhaseEntered(int phaseIndex, PhaseProgress progress, String by, String cause, Instant at) implements Event {
    public String detail() {
      return "phase " + (phaseIndex + 1) + ": " + cause;
    }
  }

  public record StepAdvanced(PhaseProgress progress, String by, String cause, Instant at) implements Event {
    public String detail() {
      return cause;
    }
  }

  public record WeightsChanged(RoutingTable table, String by, String cause, Instant at) implements Event {
    public String detail() {
      StringBuilder text = new StringBuilder("revision ").append(table.revision()).append(':');
      table.weights().forEach(w -> text.append(" v").append(w.version()).append('=').append(w.basisPoints() / 100.0).append('%'));
      table.rules().forEach(r -> text.append(", ").append(r.header()).append(" -> v").append(r.version()));
      if (!cause.isEmpty()) text.append(" (").append(cause).append(')');
      return text.toString();
    }
  }

  /**
   * A bandit's new allocation: {@code progress} carries the arms' weights and their totals so far;
   * {@code cause} names the policy, the shares and the numbers behind them.
   */
  public record AllocationChanged(PhaseProgress progress, String by, String cause, Instant at) implements Event {
    public String detail() {
      return cause;
    }
  }

  public record GatePassed(String summary, String by, Instant at) implements Event {
    public String detail() {
      return summary;
    }
  }

  public record GateFailed(String reason, String by, Instant at) implements Event {
    public String detail() {
      return reason;
    }
  }

  public record Paused(String by, String cause, Instant at) implements Event {
    public String detail() {
      return cause;
    }
  }

  public record Resumed(String by, Instant at) implements Event {
    public String detail() {
      return "";
    }
  }

  public record Promoted(long version, String by, String cause, Instant at) implements Event {
    public String detail() {
      return "version " + version + " is stable: " + cause;
    }
  }

  public record RolledBack(long toVersion, String by, String reason, Instant at) implements Event {
    public String detail() {
      return "back to version " + toVersion + ": " + reason;
    }
  }

  public record Aborted(long toVersion, String by, String reason, Instant at) implements Event {
    public String detail() {
      return "back to version " + toVersion + (reason.isEmpty() ? "" : ": " + reason);
    }
  }

  // ---- wiring ----

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "RolloutCoordinator");

  public static final String GATE = "gate";

  /**
   * @param windowSettle after a step or phase change, reports are not counted for this long: edges
   *     report what they saw over the last second or two, under the previous table, and a new step's
   *     gates must judge only the new step's traffic
   */
  public record Settings(Duration evaluationInterval, Duration windowSettle) {
    /** Counting every report at once, for tests that drive the coordinator by hand. */
    public Settings(Duration evaluationInterval) {
      this(evaluationInterval, Duration.ZERO);
    }
  }

  public static void init(ActorSystem<?> system, Settings settings) {
    RoutingPublisher publisher = RoutingPublisher.distributedData(system, Duration.ofSeconds(3));
    // Remembered: after a restart of the whole cluster, sharding starts every coordinator that ever
    // ran, which publishes its routing table again and resumes its rollout without anyone asking.
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY,
            context -> create(context.getEntityId(), publisher, settings, Clock.systemUTC()))
        .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true)));
  }

  public static PersistenceId persistenceId(String model) {
    return PersistenceId.of("rollout", model, "|");
  }

  public static Behavior<Command> create(String model, RoutingPublisher publisher, Settings settings, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(EvaluateNow.INSTANCE, settings.evaluationInterval());
      return new RolloutCoordinator(context, model, publisher, clock, settings.windowSettle());
    }));
  }

  private final ActorContext<Command> context;
  private final String model;
  private final RoutingPublisher publisher;
  private final Clock clock;
  private final Duration windowSettle;
  // Reports arriving before this still carry the previous step's traffic: they are not counted.
  private Instant countFrom = Instant.MIN;

  // What edges reported since the current step began. Not persisted: after a restart the gates
  // wait for fresh samples, which can only delay a decision, never make a wrong one.
  private Map<Long, VersionWindow> sinceStep = Map.of();
  private Map<Long, Integer> readyReplicas = Map.of();
  // Until the first report, an empty readyReplicas means "not heard yet", not "nothing is ready":
  // evaluating then would give a version with no ready replica its share again.
  private boolean reported = false;
  private String lastDecision = "";
  private long lastLogged = Long.MAX_VALUE;

  private RolloutCoordinator(ActorContext<Command> context, String model, RoutingPublisher publisher, Clock clock,
      Duration windowSettle) {
    super(persistenceId(model), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
    this.context = context;
    this.model = model;
    this.publisher = publisher;
    this.clock = clock;
    this.windowSettle = windowSettle;
  }

  @Override
  public RolloutState emptyState() {
    return RolloutState.empty(model);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public SignalHandler<RolloutState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          lastLogged = state.history().isEmpty() ? 0 : state.history().get(state.history().size() - 1).sequence();
          // The table may not have reached every node before a crash; publishing again is idempotent.
          if (state.table() != null) publisher.publish(state.table());
        })
        .build();
  }

  // ---- commands ----

  @Override
  public CommandHandlerWithReply<Command, Event, RolloutState> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(StartRollout.class, this::onStart)
        .onCommand(Pause.class, this::onPause)
        .onCommand(Resume.class, this::onResume)
        .onCommand(Promote.class, this::onPromote)
        .onCommand(Abort.class, this::onAbort)
        .onCommand(SetWeights.class, this::onSetWeights)
        .onCommand(GetStatus.class, (state, get) -> Effect().reply(get.replyTo(), status(state)))
        .onCommand(GetHistory.class, this::onGetHistory)
        .onCommand(ReportWindows.class, this::onReport)
        .onCommand(EvaluateNow.class, (state, tick) -> evaluate(state))
        .build();
  }

  private ReplyEffect<Event, RolloutState> onStart(RolloutState state, StartRollout start) {
    RolloutPlan plan = start.plan();
    if (state.rolling()) {
      return refuse(start.replyTo(), Refusal.CONFLICT, "a rollout to version " + state.active().plan().targetVersion()
          + " is in progress; promote or abort it first");
    }
    long stable = state.hasStable() ? state.stableVersion() : start.currentStable();
    if (stable <= 0) return refuse(start.replyTo(), Refusal.CONFLICT, "model '" + model + "' has no version serving yet");
    if (plan.targetVersion() == stable) {
      return refuse(start.replyTo(), Refusal.INVALID, "version " + stable + " is already the stable version");
    }
    String unrunnable = whyUnrunnable(start, stable);
    if (unrunnable != null) return refuse(start.replyTo(), Refusal.INVALID, unrunnable);
    Instant now = clock.instant();
    PhaseSpec first = plan.phases().get(0);
    Rollout rollout = new Rollout(plan, start.stableReplicas(), start.targetReplicas(), start.armReplicas(), 0,
        PhaseProgress.start(first, now), false, start.by(), now);
    RoutingTable table = tableFor(stable, rollout, state.revision() + 1);
    return Effect()
        .persist(List.of(
            new RolloutStarted(plan, stable, start.stableReplicas(), start.targetReplicas(), start.armReplicas(),
                start.by(), now),
            new PhaseEntered(0, rollout.progress(), start.by(), first.kind() + " starts", now),
            new WeightsChanged(table, start.by(), first.kind() + " starts", now)))
        .thenRun(this::stepChanged)
        .thenReply(start.replyTo(), s -> new Accepted(status(s)));
  }

  /**
   * Why {@code start} cannot run over {@code stable}, or null when it can: the checks the strategies
   * would otherwise fail with an exception in the middle of the rollout, crashing the coordinator
   * on every evaluation. Each version needs a replica count: stable's, target's, or one in
   * {@code armReplicas} for any other version a phase names.
   */
  private static String whyUnrunnable(StartRollout start, long stable) {
    if (start.stableReplicas() < 1 || start.targetReplicas() < 1) {
      return "replica counts must be at least 1, got stable " + start.stableReplicas() + " and target "
          + start.targetReplicas();
    }
    long target = start.plan().targetVersion();
    for (PhaseSpec phase : start.plan().phases()) {
      if (phase instanceof PhaseSpec.Shadow shadow && shadow.candidates().contains(stable)) {
        return "the shadow phase names version " + stable + ", the stable version, as a candidate: it would shadow itself";
      }
      for (long version : phase.namedVersions()) {
        if (version != stable && version != target && start.armReplicas().getOrDefault(version, 0) < 1) {
          return "the " + phase.kind() + " phase names version " + version + ", which has no registered replicas";
        }
      }
      if (phase instanceof PhaseSpec.Bandit bandit && !bandit.arms().isEmpty() && !bandit.arms().contains(target)) {
        return "the bandit phase's arms " + bandit.arms() + " leave out the target version " + target
            + ", which could then never win it";
      }
    }
    return null;
  }

  private ReplyEffect<Event, RolloutState> onPause(RolloutState state, Pause pause) {
    if (!state.rolling()) return refuse(pause.replyTo(), Refusal.CONFLICT, "no rollout is in progress");
    if (state.active().paused()) return refuse(pause.replyTo(), Refusal.CONFLICT, "the rollout is already paused");
    return Effect().persist(new Paused(pause.by(), "paused by hand", clock.instant()))
        .thenReply(pause.replyTo(), s -> new Accepted(status(s)));
  }

  private ReplyEffect<Event, RolloutState> onResume(RolloutState state, Resume resume) {
    if (!state.rolling()) return refuse(resume.replyTo(), Refusal.CONFLICT, "no rollout is in progress");
    if (!state.active().paused()) return refuse(resume.replyTo(), Refusal.CONFLICT, "the rollout is not paused");
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    events.add(new Resumed(resume.by(), now));
    // Weights set by hand give way to the phase's own traffic again.
    RoutingTable phaseTable = tableFor(state.stableVersion(), state.active(), state.revision() + 1);
    if (!sameTraffic(phaseTable, state.table())) events.add(new WeightsChanged(phaseTable, resume.by(), "resumed", now));
    return Effect().persist(events)
        .thenRun(this::stepChanged)
        .thenReply(resume.replyTo(), s -> new Accepted(status(s)));
  }

  private ReplyEffect<Event, RolloutState> onPromote(RolloutState state, Promote promote) {
    if (!state.rolling()) return refuse(promote.replyTo(), Refusal.CONFLICT, "no rollout is in progress");
    return Effect().persist(promotion(state, promote.by(), "promoted by hand", clock.instant()))
        .thenRun(this::stepChanged)
        .thenReply(promote.replyTo(), s -> new Accepted(status(s)));
  }

  private ReplyEffect<Event, RolloutState> onAbort(RolloutState state, Abort abort) {
    if (!state.rolling()) return refuse(abort.replyTo(), Refusal.CONFLICT, "no rollout is in progress");
    Instant now = clock.instant();
    return Effect()
        .persist(List.of(
            new Aborted(state.stableVersion(), abort.by(), abort.reason(), now),
            new WeightsChanged(backToStable(state), abort.by(), "aborted", now)))
        .thenRun(this::stepChanged)
        .thenReply(abort.replyTo(), s -> new Accepted(status(s)));
  }

  private ReplyEffect<Event, RolloutState> onSetWeights(RolloutState state, SetWeights set) {
    if (!state.rolling()) return refuse(set.replyTo(), Refusal.CONFLICT, "no rollout is in progress");
    long stable = state.stableVersion();
    long target = state.active().plan().targetVersion();
    int total = 0;
    for (WeightedVersion weight : set.weights()) {
      if (weight.version() != stable && weight.version() != target) {
        return refuse(set.replyTo(), Refusal.INVALID, "version " + weight.version()
            + " is not in this rollout (stable " + stable + ", target " + target + ")");
      }
      total += weight.basisPoints();
    }
    if (total != RoutingTable.ALL) {
      return refuse(set.replyTo(), Refusal.INVALID, "weights add up to " + total / 100.0 + " %, not 100 %");
    }
    List<WeightedVersion> ordered = new ArrayList<>(set.weights());
    ordered.sort((a, b) -> Boolean.compare(a.version() != target, b.version() != target));
    RoutingTable current = state.table();
    // Set by hand, the split is sticky again and the shadows keep running.
    RoutingTable manual = new RoutingTable(model, state.revision() + 1, stable, ordered, current.rules(),
        current.stickyHeader(), current.replicas(), current.mirror(), false);
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    if (!state.active().paused()) events.add(new Paused(set.by(), "weights set by hand", now));
    events.add(new WeightsChanged(manual, set.by(), "set by hand", now));
    return Effect().persist(events)
        .thenRun(this::published)
        .thenReply(set.replyTo(), s -> new Accepted(status(s)));
  }

  private ReplyEffect<Event, RolloutState> onGetHistory(RolloutState state, GetHistory get) {
    List<HistoryEntry> page = state.history().stream()
        .filter(entry -> entry.sequence() > get.afterSequence())
        .limit(Math.max(0, Math.min(get.limit(), 1000)))
        .toList();
    long last = state.history().isEmpty() ? 0 : state.history().get(state.history().size() - 1).sequence();
    return Effect().reply(get.replyTo(), new HistoryPage(page, last));
  }

  private ReplyEffect<Event, RolloutState> onReport(RolloutState state, ReportWindows report) {
    readyReplicas = Map.copyOf(report.readyReplicas());
    reported = true;
    if (clock.instant().isBefore(countFrom)) return Effect().noReply();
    Map<Long, VersionWindow> merged = new HashMap<>(sinceStep);
    report.windows().forEach((version, window) -> merged.merge(version, window, VersionWindow::plus));
    sinceStep = Map.copyOf(merged);
    return Effect().noReply();
  }

  /** The heartbeat: ask the current phase what to do with what was seen since its step began. */
  private ReplyEffect<Event, RolloutState> evaluate(RolloutState state) {
    if (!state.rolling() || state.active().paused()) return Effect().noReply();
    if (!reported) {
      lastDecision = "waiting for the edges' first report since this coordinator started";
      return Effect().noReply();
    }
    Rollout rollout = state.active();
    Instant now = clock.instant();
    Observation observation = new Observation(now, sinceStep, readyReplicas);
    Decision decision = PhaseStrategy.of(rollout.phase())
        .decide(contextOf(state.stableVersion(), rollout), rollout.progress(), observation);
    if (decision instanceof Decision.Advance advance) {
      Rollout next = rollout.withProgress(rollout.phaseIndex(), advance.next());
      return Effect()
          .persist(List.of(
              new GatePassed(advance.cause(), GATE, now),
              new StepAdvanced(advance.next(), GATE, advance.cause(), now),
              new WeightsChanged(tableFor(state.stableVersion(), next, state.revision() + 1), GATE, advance.cause(), now)))
          .thenRun(this::stepChangedSettling)
          .thenNoReply();
    }
    if (decision instanceof Decision.Reallocate reallocate) {
      Rollout next = rollout.withProgress(rollout.phaseIndex(), reallocate.next());
      RoutingTable table = tableFor(state.stableVersion(), next, state.revision() + 1);
      List<Event> events = new ArrayList<>();
      events.add(new AllocationChanged(reallocate.next(), GATE, reallocate.detail(), now));
      if (sameTraffic(table, state.table())) return Effect().persist(events).thenRun(this::intervalStarted).thenNoReply();
      events.add(new WeightsChanged(table, GATE, "reallocated", now));
      return Effect().persist(events).thenRun(this::stepChanged).thenNoReply();
    }
    if (decision instanceof Decision.Complete complete) {
      if (rollout.lastPhase()) {
        return Effect().persist(promotion(state, GATE, complete.cause(), now)).thenRun(this::stepChanged).thenNoReply();
      }
      int nextIndex = rollout.phaseIndex() + 1;
      PhaseSpec nextPhase = rollout.plan().phases().get(nextIndex);
      Rollout next = rollout.withProgress(nextIndex, PhaseProgress.start(nextPhase, now));
      return Effect()
          .persist(List.of(
              new GatePassed(complete.cause(), GATE, now),
              new PhaseEntered(nextIndex, next.progress(), GATE, nextPhase.kind() + " starts", now),
              new WeightsChanged(tableFor(state.stableVersion(), next, state.revision() + 1), GATE,
                  nextPhase.kind() + " starts", now)))
          .thenRun(this::stepChangedSettling)
          .thenNoReply();
    }
    if (decision instanceof Decision.RollBack rollBack) {
      return Effect()
          .persist(List.of(
              new GateFailed(rollBack.reason(), GATE, now),
              new RolledBack(state.stableVersion(), GATE, rollBack.reason(), now),
              new WeightsChanged(backToStable(state), GATE, "rolled back", now)))
          .thenRun(this::stepChanged)
          .thenNoReply();
    }
    lastDecision = ((Decision.Hold) decision).why();
    // Holding still follows readiness: a version gets traffic once it has a ready replica, and loses
    // it when it has none, so the table changes even between steps.
    RoutingTable current = tableFor(state.stableVersion(), rollout, state.revision() + 1);
    if (!sameTraffic(current, state.table())) {
      return Effect().persist(new WeightsChanged(current, GATE, "ready replicas changed", now))
          .thenRun(this::published)
          .thenNoReply();
    }
    return Effect().noReply();
  }

  /** All traffic to the target, which becomes stable; the old stable version's replicas stop. */
  private List<Event> promotion(RolloutState state, String by, String cause, Instant now) {
    RolloutContext context = contextOf(state.stableVersion(), state.active());
    RoutingTable table = RoutingTables.promoted(context, state.revision() + 1);
    return List.of(new Promoted(context.targetVersion(), by, cause, now), new WeightsChanged(table, by, "promoted", now));
  }

  /** All traffic back to stable in one change; the target's replicas stop. */
  private RoutingTable backToStable(RolloutState state) {
    return RoutingTables.rolledBack(contextOf(state.stableVersion(), state.active()), state.revision() + 1);
  }

  private RoutingTable tableFor(long stable, Rollout rollout, long revision) {
    RolloutContext context = contextOf(stable, rollout);
    Traffic traffic = PhaseStrategy.of(rollout.phase()).traffic(context, rollout.progress(), readyReplicas);
    return RoutingTables.of(context, revision, traffic);
  }

  private RolloutContext contextOf(long stable, Rollout rollout) {
    return new RolloutContext(model, stable, rollout.plan().targetVersion(), rollout.plan().stickyHeader(),
        rollout.stableReplicas(), rollout.targetReplicas(), rollout.armReplicas());
  }

  private static boolean sameTraffic(RoutingTable a, RoutingTable b) {
    return b != null && a.weights().equals(b.weights()) && a.rules().equals(b.rules()) && a.replicas().equals(b.replicas())
        && a.stableVersion() == b.stableVersion() && a.mirror().equals(b.mirror()) && a.perRequest() == b.perRequest();
  }

  /** After a step change: the new table goes out and the new step's window starts empty. */
  private void stepChanged(RolloutState state) {
    sinceStep = Map.of();
    lastDecision = "";
    published(state);
  }

  /**
   * After a gate moved the rollout to a new step or phase: as {@link #stepChanged}, and reports stop
   * counting until the edges have the new table and have reported the old one's traffic.
   */
  private void stepChangedSettling(RolloutState state) {
    countFrom = clock.instant().plus(windowSettle);
    stepChanged(state);
  }

  /** After a bandit's reallocation that kept the table: the next interval's window starts empty. */
  private void intervalStarted(RolloutState state) {
    sinceStep = Map.of();
    lastDecision = "";
    logged(state);
  }

  private void published(RolloutState state) {
    if (state.table() != null) publisher.publish(state.table());
    logged(state);
  }

  private void logged(RolloutState state) {
    for (HistoryEntry entry : state.history()) {
      if (entry.sequence() > lastLogged) context.getLog().info("Rollout of {}: {} by {}: {}", model, entry.event(), entry.by(), entry.detail());
    }
    if (!state.history().isEmpty()) lastLogged = state.history().get(state.history().size() - 1).sequence();
  }

  private ReplyEffect<Event, RolloutState> refuse(ActorRef<Result> replyTo, Refusal refusal, String message) {
    return Effect().reply(replyTo, new Refused(refusal, message));
  }

  private RolloutStatus status(RolloutState state) {
    return new RolloutStatus(model, state.stableVersion(), state.table(), state.active(), lastDecision, sinceStep,
        readyReplicas);
  }

  // ---- events ----

  @Override
  public EventHandler<RolloutState, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onAnyEvent((state, event) -> apply(state, event).recorded(event));
  }

  private static RolloutState apply(RolloutState state, Event event) {
    Rollout active = state.active();
    if (event instanceof RolloutStarted started) {
      return state.with(started.stableVersion(), state.table(), new Rollout(started.plan(), started.stableReplicas(),
          started.targetReplicas(), started.armReplicas(), 0, PhaseProgress.start(started.plan().phases().get(0), started.at()), false,
          started.by(), started.at()));
    }
    if (event instanceof PhaseEntered entered) {
      return state.with(state.stableVersion(), state.table(), active.withProgress(entered.phaseIndex(), entered.progress()));
    }
    if (event instanceof StepAdvanced advanced) {
      return state.with(state.stableVersion(), state.table(), active.withProgress(active.phaseIndex(), advanced.progress()));
    }
    if (event instanceof AllocationChanged changed) {
      return state.with(state.stableVersion(), state.table(), active.withProgress(active.phaseIndex(), changed.progress()));
    }
    if (event instanceof WeightsChanged changed) return state.with(state.stableVersion(), changed.table(), active);
    if (event instanceof Paused) return state.with(state.stableVersion(), state.table(), active.withPaused(true));
    if (event instanceof Resumed) return state.with(state.stableVersion(), state.table(), active.withPaused(false));
    if (event instanceof Promoted promoted) return state.with(promoted.version(), state.table(), null);
    if (event instanceof RolledBack rolledBack) return state.with(rolledBack.toVersion(), state.table(), null);
    if (event instanceof Aborted aborted) return state.with(aborted.toVersion(), state.table(), null);
    return state; // GatePassed, GateFailed: facts for the audit log only
  }
}
