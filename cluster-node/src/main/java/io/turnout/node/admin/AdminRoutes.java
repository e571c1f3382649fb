package io.turnout.node.admin;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.turnout.node.admin.AdminJson.RegistrationRequest;
import io.turnout.node.admin.ModelFacts.VersionFacts;
import io.turnout.node.admin.Problem.Kind;
import io.turnout.node.admin.RolloutChecks.StartArgs;
import io.turnout.node.directory.ServingView;
import io.turnout.node.lifecycle.DrainReason;
import io.turnout.node.lifecycle.NodeDrain;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.persistence.rollout.RolloutCoordinator.Accepted;
import io.turnout.persistence.rollout.RolloutCoordinator.HistoryPage;
import io.turnout.persistence.rollout.RolloutCoordinator.Refusal;
import io.turnout.persistence.rollout.RolloutCoordinator.Refused;
import io.turnout.persistence.rollout.RolloutCoordinator.Result;
import io.turnout.persistence.rollout.RolloutCoordinator.RolloutStatus;
import io.turnout.persistence.rollout.RolloutState.HistoryEntry;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.WeightedVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SystemMaterializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API: version registration, models, rollouts (start, status, history, live events,
 * manual commands) and cluster members, behind a bearer token. Translates only: it reads requests
 * with the pure codecs ({@link AdminJson}, {@link RolloutJson}), checks plans against the serving
 * view ({@link RolloutChecks}), asks the model's {@link RolloutCoordinator} with the configured
 * timeout, and answers JSON, or an RFC 9457 problem for every error.
 */
public final class AdminRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);

  /** Who issues a command, recorded in the rollout's history; {@value #DEFAULT_USER} when absent. */
  public static final String USER_HEADER = "X-Turnout-User";
  public static final String DEFAULT_USER = "admin";
  private static final int MAX_USER_LENGTH = 100;
  private static final int DEFAULT_HISTORY_LIMIT = 100;
  private static final int MAX_HISTORY_LIMIT = 1000;

  static final ContentType.WithFixedCharset PROBLEM_JSON =
      ContentTypes.create(MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8));
  private static final ContentType EVENT_STREAM = MediaTypes.TEXT_EVENT_STREAM.toContentType();

  private final AdminSettings settings;
  private final Supplier<ServingView> view;
  private final VersionRegistrar registrar;
  private final BearerAuth auth;
  private final ClusterSharding sharding;
  private final Cluster cluster;
  private final Materializer materializer;
  private final Executor blocking;
  private final NodeDrain drain;

  public AdminRoutes(ActorSystem<?> system, AdminSettings settings, Supplier<ServingView> view,
      VersionRegistrar registrar, NodeDrain drain) {
    this.drain = drain;
    this.settings = settings;
    this.view = view;
    this.registrar = registrar;
    this.auth = new BearerAuth(settings.token());
    this.sharding = ClusterSharding.get(system);
    this.cluster = Cluster.get(system);
    this.materializer = SystemMaterializer.get(system).materializer();
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  /** One request: its path (the problem's {@code instance}), for rendering its failures. */
  private record Call(String instance) {
    HttpResponse failure(Throwable error) {
      return problem(error, instance);
    }
  }

  public Route routes() {
    return extractUri(uri -> {
      Call call = new Call(uri.path());
      RejectionHandler rejections = RejectionHandler.defaultHandler()
          .mapRejectionResponse(response -> asProblem(response, call.instance()));
      ExceptionHandler exceptions = ExceptionHandler.newBuilder()
          .matchAny(error -> complete(call.failure(error)))
          .build();
      return handleExceptions(exceptions, () -> handleRejections(rejections, () -> authenticated(call, () -> api(call))));
    });
  }

  // ---- authentication ----

  private Route authenticated(Call call, Supplier<Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> {
      BearerAuth.Outcome outcome = auth.check(header);
      if (outcome == BearerAuth.Outcome.ALLOWED) return inner.get();
      String detail = switch (outcome) {
        case NOT_CONFIGURED -> "this node has no admin token configured, so its admin API refuses every request; "
            + "set turnout.admin.token (or TURNOUT_ADMIN_TOKEN) and restart the node";
        case MISSING -> "send the admin token as 'Authorization: Bearer <token>'";
        default -> "the bearer token is not the admin token";
      };
      String challenge = outcome == BearerAuth.Outcome.WRONG
          ? "Bearer realm=\"turnout-admin\", error=\"invalid_token\"" : "Bearer realm=\"turnout-admin\"";
      return extractRequestEntity(entity -> {
        entity.discardBytes(materializer);
        return complete(problem(new Problem(Kind.UNAUTHORIZED, detail), call.instance())
            .addHeader(RawHeader.create("WWW-Authenticate", challenge)));
      });
    });
  }

  // ---- routes ----

  private Route api(Call call) {
    return pathPrefix("admin", () -> concat(
        pathPrefix("cluster", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> answer(call, this::cluster))),
            path("drain", () -> post(() -> user(call, by -> extractRequestEntity(entity -> {
              entity.discardBytes(materializer);
              return answer(call, () -> drain(by));
            })))))),
        pathPrefix("models", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> answer(call, () ->
                json(StatusCodes.OK, AdminJson.models(ModelFacts.all(view.get())))))),
            pathPrefix(segment(), model -> modelRoutes(call, model))))));
  }

  private Route modelRoutes(Call call, String model) {
    return concat(
        pathEndOrSingleSlash(() -> get(() -> answer(call, () -> json(StatusCodes.OK, AdminJson.model(facts(model)))))),
        pathPrefix("versions", () -> path(segment(), version -> concat(
            put(() -> withBody(call, body -> register(model, version, body))),
            get(() -> answer(call, () -> versionInfo(model, version)))))),
        path("rollouts", () -> post(() -> user(call, by -> withBody(call, body -> start(model, body, by))))),
        pathPrefix("rollout", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> completeAsync(call, () -> status(model)))),
            path("history", () -> get(() -> parameterOptional("after", after -> parameterOptional("limit", limit ->
                completeAsync(call, () -> history(model, after, limit)))))),
            path("events", () -> get(() -> optionalHeaderValueByName("Last-Event-ID", lastId ->
                parameterOptional("after", after -> answer(call, () -> events(model, lastId, after)))))),
            path("weights", () -> put(() -> user(call, by -> withBody(call, body -> weights(model, body, by))))),
            path(segment(), action -> post(() -> user(call, by -> withBody(call, body -> command(model, action, body, by))))))));
  }

  private Route answer(Call call, Supplier<HttpResponse> response) {
    HttpResponse answer;
    try {
      answer = response.get();
    } catch (RuntimeException e) {
      answer = call.failure(e);
    }
    return complete(answer);
  }

  private Route completeAsync(Call call, Supplier<CompletionStage<HttpResponse>> response) {
    CompletionStage<HttpResponse> answer;
    try {
      answer = response.get();
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return completeWithFuture(answer.exceptionally(call::failure));
  }

  /** The request's whole body (within the limit), then {@code handle}. */
  private Route withBody(Call call, Function<byte[], CompletionStage<HttpResponse>> handle) {
    return extractRequestEntity(entity -> completeAsync(call, () -> body(entity).thenCompose(handle)));
  }

  private Route user(Call call, Function<String, Route> inner) {
    return optionalHeaderValueByName(USER_HEADER, header -> {
      String user = header.map(String::strip).filter(u -> !u.isEmpty()).orElse(DEFAULT_USER);
      if (user.length() > MAX_USER_LENGTH || user.chars().anyMatch(Character::isISOControl)) {
        return complete(call.failure(new Problem(Kind.INVALID, USER_HEADER + " must be a name of at most "
            + MAX_USER_LENGTH + " printable characters")));
      }
      return inner.apply(user);
    });
  }

  private CompletionStage<byte[]> body(HttpEntity entity) {
    long limit = settings.maxBodyBytes();
    if (entity.getContentLengthOption().isPresent() && entity.getContentLengthOption().getAsLong() > limit) {
      entity.discardBytes(materializer);
      return CompletableFuture.failedFuture(tooLarge());
    }
    return entity.withSizeLimit(limit).toStrict(settings.bodyTimeout().toMillis(), materializer)
        .<byte[]>thenApply(strict -> strict.getData().toArray())
        .exceptionally(error -> {
          if (unwrap(error) instanceof EntityStreamSizeException) throw tooLarge();
          throw Problem.malformed("cannot read the request body: " + unwrap(error).getMessage());
        });
  }

  private Problem tooLarge() {
    return new Problem(Kind.TOO_LARGE, "the request body exceeds the admin API's limit of " + settings.maxBodyBytes()
        + " bytes");
  }

  // ---- models and versions ----

  private ModelFacts facts(String model) {
    return ModelFacts.of(view.get(), model).orElseThrow(() -> Problem.notFound("model '" + model + "' not found"));
  }

  private HttpResponse versionInfo(String model, String versionText) {
    ModelFacts facts = facts(model);
    long version = versionNumber(versionText, Kind.NOT_FOUND);
    VersionFacts found = facts.version(version).orElseThrow(() -> Problem.notFound("version " + version
        + " of model '" + model + "' not found (registered: " + facts.versionList() + ")"));
    return json(StatusCodes.OK, AdminJson.version(facts, found));
  }

  private CompletionStage<HttpResponse> register(String model, String versionText, byte[] body) {
    if (!ModelVersionId.isValidModelName(model)) {
      throw Problem.invalid("", "'" + model + "' is not a model name: 1 to 128 letters, digits, '_', '.' or '-',"
          + " starting with a letter or digit");
    }
    long version = versionNumber(versionText, Kind.INVALID);
    RegistrationRequest request = AdminJson.parseRegistration(body, settings.defaultReplicas(), settings.maxReplicas());
    RegisteredVersion registered = new RegisteredVersion(new ModelVersionId(model, version), request.artifact(),
        request.replicas());
    // The path is looked up on a thread that may block (a network file system can be slow).
    return CompletableFuture.supplyAsync(() -> Files.isDirectory(Path.of(request.artifact())), blocking)
        .thenCompose(exists -> {
          if (!exists) {
            throw Problem.invalid("/artifact", "artifact " + request.artifact() + " is not a folder on this node; it"
                + " must be a SavedModel folder that every node can read");
          }
          return within(registrar.register(registered), "the model registry");
        })
        .thenApply(registration -> json(registration.created() ? StatusCodes.CREATED : StatusCodes.OK,
            AdminJson.registered(registration.version(), registration.created()))
            .addHeader(Location.create("/admin/models/" + model + "/versions/" + version)));
  }

  private static long versionNumber(String text, Kind kind) {
    if (!text.matches("[0-9]{1,18}") || Long.parseLong(text) < 1) {
      throw new Problem(kind, "'" + text + "' is not a version: versions are whole numbers of at least 1");
    }
    return Long.parseLong(text);
  }

  // ---- rollouts ----

  private CompletionStage<HttpResponse> start(String model, byte[] body, String by) {
    ModelFacts facts = facts(model);
    RolloutPlan plan = RolloutJson.parsePlan(body);
    RolloutChecks.checkVersions(plan, facts);
    // The coordinator's stable version first: this node's copy of the routing table may lag behind it.
    return ask(model, RolloutCoordinator.GetStatus::new).thenCompose(status -> {
      StartArgs args = RolloutChecks.check(plan, facts, status.stableVersion());
      return ask(model, (ActorRef<Result> replyTo) -> new RolloutCoordinator.StartRollout(plan, args.currentStable(),
          args.stableReplicas(), args.targetReplicas(), args.armReplicas(), by, replyTo));
    }).thenApply(result -> accepted(result, facts, StatusCodes.CREATED)
        .addHeader(Location.create("/admin/models/" + model + "/rollout")));
  }

  private CompletionStage<HttpResponse> status(String model) {
    ModelFacts facts = facts(model);
    return ask(model, RolloutCoordinator.GetStatus::new)
        .thenApply(status -> json(StatusCodes.OK,
            RolloutJson.status(status, facts.registeredReplicas(), facts.readyReplicas())));
  }

  private CompletionStage<HttpResponse> command(String model, String action, byte[] body, String by) {
    facts(model);
    Function<ActorRef<Result>, RolloutCoordinator.Command> command = switch (action) {
      case "pause" -> replyTo -> new RolloutCoordinator.Pause(by, replyTo);
      case "resume" -> replyTo -> new RolloutCoordinator.Resume(by, replyTo);
      case "promote" -> replyTo -> new RolloutCoordinator.Promote(by, replyTo);
      case "abort" -> {
        String reason = RolloutJson.parseReason(body);
        yield replyTo -> new RolloutCoordinator.Abort(by, reason, replyTo);
      }
      default -> throw Problem.notFound("no rollout command '" + action + "' (expected pause, resume, promote or abort)");
    };
    if (!action.equals("abort")) RolloutJson.parseReason(body); // only checked: the coordinator records no reason for these
    return this.<Result>ask(model, command).thenApply(result -> accepted(result, facts(model), StatusCodes.OK));
  }

  private CompletionStage<HttpResponse> weights(String model, byte[] body, String by) {
    facts(model);
    List<WeightedVersion> weights = RolloutJson.parseWeights(body);
    return ask(model, (ActorRef<Result> replyTo) -> new RolloutCoordinator.SetWeights(weights, by, replyTo))
        .thenApply(result -> accepted(result, facts(model), StatusCodes.OK));
  }

  private static HttpResponse accepted(Result result, ModelFacts facts, StatusCode ok) {
    if (result instanceof Accepted accepted) {
      return json(ok, RolloutJson.status(accepted.status(), facts.registeredReplicas(), facts.readyReplicas()));
    }
    Refused refused = (Refused) result;
    throw new Problem(refused.refusal() == Refusal.CONFLICT ? Kind.CONFLICT : Kind.INVALID, refused.message());
  }

  private CompletionStage<HttpResponse> history(String model, Optional<String> afterText, Optional<String> limitText) {
    facts(model);
    long after = afterText.map(text -> cursor(text, "after")).orElse(0L);
    int limit = limitText.map(text -> {
      if (!text.matches("[0-9]{1,4}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > MAX_HISTORY_LIMIT) {
        throw Problem.malformed("limit must be a whole number from 1 to " + MAX_HISTORY_LIMIT + ", not '" + text + "'");
      }
      return Integer.parseInt(text);
    }).orElse(DEFAULT_HISTORY_LIMIT);
    return ask(model, (ActorRef<HistoryPage> replyTo) -> new RolloutCoordinator.GetHistory(after, limit, replyTo))
        .thenApply(page -> json(StatusCodes.OK, RolloutJson.history(page, after)));
  }

  private static long cursor(String text, String name) {
    if (!text.strip().matches("[0-9]{1,18}")) {
      throw Problem.malformed(name + " must be a history sequence number (0 or more), not '" + text + "'");
    }
    return Long.parseLong(text.strip());
  }

  /**
   * The model's history as server-sent events, from after {@code Last-Event-ID} (a reconnecting
   * client) or {@code ?after=}, else from the start: the coordinator's history is polled, one ask at
   * a time, a page per poll; comments keep idle connections open; the stream ends when the client leaves.
   */
  private HttpResponse events(String model, Optional<String> lastEventId, Optional<String> afterParam) {
    facts(model);
    long after = lastEventId.map(id -> cursor(id, "Last-Event-ID"))
        .orElseGet(() -> afterParam.map(text -> cursor(text, "after")).orElse(0L));
    record Poll(long cursor, List<HistoryEntry> entries) {}
    Source<ByteString, NotUsed> polled = Source.tick(Duration.ZERO, settings.eventsPollInterval(), NotUsed.getInstance())
        .scanAsync(new Poll(after, List.of()), (poll, tick) ->
            ask(model, (ActorRef<HistoryPage> replyTo) ->
                new RolloutCoordinator.GetHistory(poll.cursor(), settings.eventsPageSize(), replyTo))
                .thenApply(page -> page.entries().isEmpty() ? new Poll(poll.cursor(), List.of())
                    : new Poll(page.entries().get(page.entries().size() - 1).sequence(), page.entries()))
                .exceptionally(error -> {
                  log.debug("Rollout events of {}: history not read this time: {}", model, unwrap(error).toString());
                  return new Poll(poll.cursor(), List.of());
                }))
        .mapConcat(Poll::entries)
        .map(entry -> ByteString.fromString(RolloutJson.event(entry)))
        .keepAlive(settings.eventsKeepAlive(), () -> ByteString.fromString(RolloutJson.KEEP_ALIVE))
        .mapMaterializedValue(cancellable -> NotUsed.getInstance());
    Source<ByteString, NotUsed> stream =
        Source.single(ByteString.fromString(RolloutJson.retry(Duration.ofSeconds(2)))).concat(polled);
    return HttpResponse.create()
        .withEntity(HttpEntities.createChunked(EVENT_STREAM, stream))
        .addHeader(RawHeader.create("Cache-Control", "no-cache"))
        .addHeader(RawHeader.create("X-Accel-Buffering", "no"));
  }

  // ---- cluster ----

  private HttpResponse cluster() {
    ClusterEvent.CurrentClusterState state = cluster.state();
    List<AdminJson.Member> members = new ArrayList<>();
    for (Member member : state.getMembers()) {
      members.add(new AdminJson.Member(member.address().toString(), member.status().toString(),
          member.getRoles().stream().sorted().toList(), !state.getUnreachable().contains(member)));
    }
    String leader = state.getLeader() == null ? null : state.getLeader().toString();
    return json(StatusCodes.OK, AdminJson.cluster(cluster.selfMember().address().toString(), leader, members));
  }

  /** Starts this node's graceful leave; the node answers, then drains and exits on its own. */
  private HttpResponse drain(String by) {
    boolean already = drain.draining();
    log.info("Drain of this node requested by {}{}", by, already ? " (already draining)" : "");
    if (!already) drain.start(DrainReason.ADMIN_REQUEST);
    return json(StatusCodes.ACCEPTED, AdminJson.draining(cluster.selfMember().address().toString(),
        "requested by " + by, drain.settings().drainPeriod(), drain.settings().replicaWait()));
  }

  // ---- asking ----

  private <R> CompletionStage<R> ask(String model, Function<ActorRef<R>, RolloutCoordinator.Command> message) {
    CompletionStage<R> reply = sharding.entityRefFor(RolloutCoordinator.ENTITY_KEY, model)
        .ask(message::apply, settings.askTimeout());
    return reply.handle((answer, error) -> {
      if (error == null) return answer;
      if (unwrap(error) instanceof TimeoutException) {
        throw new Problem(Kind.UNAVAILABLE, "the rollout coordinator of model '" + model + "' did not answer within "
            + settings.askTimeout().toMillis() + " ms (its journal may be unavailable); a command may or may not have"
            + " been applied: check the rollout's status");
      }
      throw new CompletionException(unwrap(error));
    });
  }

  private <T> CompletionStage<T> within(CompletionStage<T> stage, String what) {
    CompletableFuture<T> bounded = new CompletableFuture<>();
    stage.whenComplete((value, error) -> {
      if (error == null) bounded.complete(value);
      else bounded.completeExceptionally(unwrap(error));
    });
    return bounded.orTimeout(settings.askTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(error -> {
          if (unwrap(error) instanceof TimeoutException) {
            throw new Problem(Kind.UNAVAILABLE, what + " did not answer within " + settings.askTimeout().toMillis()
                + " ms");
          }
          throw new CompletionException(unwrap(error));
        });
  }

  // ---- responses ----

  static HttpResponse json(StatusCode status, byte[] body) {
    return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, body);
  }

  /** Any failure as a problem document; failures the API did not foresee are logged and answered 500. */
  static HttpResponse problem(Throwable error, String instance) {
    Throwable cause = unwrap(error);
    Problem problem;
    if (cause instanceof Problem known) {
      problem = known;
    } else if (cause instanceof VersionRegistrar.Conflict conflict) {
      problem = new Problem(Kind.CONFLICT, conflict.getMessage());
    } else if (cause instanceof VersionRegistrar.ReadOnly readOnly) {
      problem = new Problem(Kind.NOT_IMPLEMENTED, readOnly.getMessage());
    } else if (cause instanceof TimeoutException) {
      problem = new Problem(Kind.UNAVAILABLE, "no answer in time: " + cause.getMessage());
    } else if (cause instanceof EntityStreamSizeException) {
      problem = new Problem(Kind.TOO_LARGE, "the request body is too large");
    } else {
      log.error("Admin request {} failed", instance, cause);
      problem = new Problem(Kind.INTERNAL, "internal error: " + cause);
    }
    return HttpResponse.create().withStatus(problem.status())
        .withEntity(PROBLEM_JSON, AdminJson.problem(problem, instance));
  }

  /** Pekko HTTP's own rejections (no such path, wrong method) as problem documents. */
  private static HttpResponse asProblem(HttpResponse response, String instance) {
    String text = response.entity() instanceof HttpEntity.Strict strict ? strict.getData().utf8String() : "";
    int status = response.status().intValue();
    String detail = status == 404 ? "no admin endpoint at " + instance : text.isBlank() ? response.status().reason() : text;
    Problem problem = new Problem(Problem.Kind.forStatus(status), detail);
    HttpResponse answer = HttpResponse.create().withStatus(response.status())
        .withEntity(PROBLEM_JSON, AdminJson.problem(problem, instance));
    for (var header : response.getHeaders()) answer = answer.addHeader(header);
    return answer;
  }

  static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) cause = cause.getCause();
    return cause;
  }
}
