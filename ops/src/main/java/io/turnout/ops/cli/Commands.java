package io.turnout.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.turnout.ops.cli.AdminClient.Reply;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Function;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** The commands of {@link Turnoutctl}: each builds one request, sends it, and prints the answer. */
final class Commands {
  private Commands() {}

  /** What every command shares: the global options, the client, and printing text or JSON. */
  abstract static class AdminCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    Turnoutctl root() {
      return (Turnoutctl) spec.root().userObject();
    }

    AdminClient client() {
      return root().client();
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    boolean json() {
      return root().output == Turnoutctl.Output.json;
    }

    /** Prints the answer: as JSON, or as {@code text} renders it. */
    int print(JsonNode answer, Function<JsonNode, String> render) {
      String text = json() ? pretty(answer) : render.apply(answer);
      out().print(text.endsWith("\n") ? text : text + "\n");
      out().flush();
      return ExitCodes.OK;
    }

    static String pretty(JsonNode json) {
      try {
        return AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    static String rolloutPath(String model) {
      return "/admin/models/" + AdminClient.segment(model) + "/rollout";
    }
  }

  // ---- versions ----

  @Command(name = "versions", description = "Register and list model versions.",
      subcommands = {VersionsAdd.class, VersionsList.class})
  static final class Versions {}

  @Command(name = "add", description = "Register a version from a SavedModel folder every node can read.")
  static final class VersionsAdd extends AdminCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", paramLabel = "VERSION")
    long version;

    @Option(names = "--artifact", required = true, paramLabel = "URI",
        description = "file:///path/to/savedmodel, or a local path (made absolute).")
    String artifact;

    @Option(names = "--replicas", paramLabel = "N", description = "Replicas to run (default: the node's default).")
    Integer replicas;

    @Override
    public Integer call() {
      ObjectNode body = AdminClient.JSON.createObjectNode();
      body.put("artifact", artifactUri(artifact));
      if (replicas != null) body.put("replicas", replicas);
      Reply reply = client().put("/admin/models/" + AdminClient.segment(model) + "/versions/" + version, body.toString());
      return print(reply.json(), Render::registered);
    }

    /** A URI as given, or a local path as an absolute {@code file:} URI. */
    static String artifactUri(String text) {
      if (text.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) return text;
      return Path.of(text).toAbsolutePath().normalize().toUri().toString();
    }
  }

  @Command(name = "list", description = "A model's versions: state, ready/wanted replicas, traffic weight.")
  static final class VersionsList extends AdminCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Override
    public Integer call() {
      return print(client().get("/admin/models/" + AdminClient.segment(model)).json(), Render::versions);
    }
  }

  // ---- rollouts ----

  @Command(name = "rollout", description = "Start, follow and steer a model's rollout.",
      subcommands = {Start.class, Status.class, Watch.class, Pause.class, Resume.class, Promote.class, Abort.class,
          Weights.class, History.class})
  static final class Rollout {}

  @Command(name = "start", sortOptions = false, description = {
      "Start a rollout from a plan file, or from flags: one phase per kind given,",
      "run in the order given.",
      "  turnoutctl rollout start iris --target 2 --canary 5,25,50,100 --bake 30s",
      "  turnoutctl rollout start iris --target 2 \\",
      "    --shadow 100 --shadow-duration 60s --min-agreement 0.9 \\",
      "    --canary 10,50 --bake 30s \\",
      "    --bandit thompson --arms 1,2 --interval 5s --promote-threshold 0.95",
      "  turnoutctl rollout start iris --plan plan.yaml"})
  static final class Start extends AdminCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Option(names = {"-f", "--file", "--plan"}, paramLabel = "PLAN", description = "A plan in JSON, or YAML (.yaml, .yml).")
    Path file;

    @Option(names = "--target", paramLabel = "VERSION", description = "The version to roll out (overrides the file's).")
    Long target;

    @Option(names = "--sticky-header", paramLabel = "HEADER", description = "Users stick to a side by this header.")
    String stickyHeader;

    @ArgGroup(exclusive = false, heading = "%nShadow (users see stable only; copies of its requests go to the candidates):%n")
    ShadowFlags shadow;

    @ArgGroup(exclusive = false, heading = "%nCanary:%n")
    CanaryFlags canary;

    @ArgGroup(exclusive = false, heading = "%nBlue-green:%n")
    BlueGreenFlags blueGreen;

    @ArgGroup(exclusive = false, heading = "%nRolling:%n")
    RollingFlags rolling;

    @ArgGroup(exclusive = false, heading = "%nA/B test:%n")
    AbFlags ab;

    @ArgGroup(exclusive = false, heading = "%nBandit (traffic follows rewards posted to /v1/feedback):%n")
    BanditFlags bandit;

    @Option(names = "--bake", paramLabel = "DURATION", description = "Canary and rolling: hold each step (30s, 5m, 1h).")
    String bake;

    @ArgGroup(exclusive = false, heading = "%nGate (canary, blue-green, rolling, A/B and bandit phases):%n")
    GateFlags gate;

    static final class ShadowFlags {
      @Option(names = "--shadow", required = true, paramLabel = "PERCENT",
          description = "Mirror this share of stable's requests, e.g. 100.")
      String mirror;

      @Option(names = "--shadow-candidates", paramLabel = "VERSIONS", description = "Versions to mirror to (default: the target).")
      String candidates;

      @Option(names = "--shadow-duration", paramLabel = "DURATION", description = "Mirror at least this long, e.g. 60s.")
      String duration;

      @Option(names = "--shadow-min-samples", paramLabel = "N", description = "Compared copies before the gate judges.")
      Long minSamples;

      @Option(names = "--min-agreement", paramLabel = "FRACTION", description = "Same class as stable, e.g. 0.9.")
      Double minAgreement;

      @Option(names = "--shadow-max-p99-ratio", paramLabel = "RATIO", description = "Shadow p99 at most this times stable's.")
      Double maxP99Ratio;

      @Option(names = "--shadow-max-error-rate", paramLabel = "FRACTION", description = "Failed copies, e.g. 0.01.")
      Double maxErrorRate;
    }

    static final class CanaryFlags {
      @Option(names = "--canary", required = true, paramLabel = "STEPS", description = "Traffic steps in %%: 5,25,50,100.")
      String steps;
    }

    static final class BlueGreenFlags {
      @Option(names = "--blue-green", required = true, description = "Warm green fully, preview, switch at once.")
      boolean on;

      @Option(names = "--preview-header", paramLabel = "HEADER", description = "Requests with it reach green early.")
      String previewHeader;

      @Option(names = "--preview-time", paramLabel = "DURATION", description = "How long to preview before the gate.")
      String previewTime;

      @Option(names = "--keep-blue-warm", paramLabel = "DURATION", description = "Keep blue running after the switch.")
      String keepBlueWarm;
    }

    static final class RollingFlags {
      @Option(names = "--rolling", required = true, description = "Replace replicas one at a time.")
      boolean on;

      @Option(names = "--max-surge", paramLabel = "N")
      Integer maxSurge;

      @Option(names = "--max-unavailable", paramLabel = "N")
      Integer maxUnavailable;
    }

    static final class AbFlags {
      @Option(names = "--ab", required = true, paramLabel = "ARMS", description = "A fixed split in %%: 1=50,2=50.")
      String arms;

      @Option(names = "--rule", paramLabel = "RULE", description = "HEADER[=V1|V2]:VERSION, e.g. X-Segment=beta:2.")
      List<String> rules = new ArrayList<>();
    }

    static final class BanditFlags {
      @Option(names = "--bandit", required = true, paramLabel = "POLICY", description = "thompson, ucb1 or epsilon-greedy.")
      String policy;

      @Option(names = "--arms", paramLabel = "VERSIONS", description = "Versions to choose between (default: stable and target).")
      String arms;

      @Option(names = "--epsilon", paramLabel = "FRACTION", description = "epsilon-greedy: the share that explores.")
      Double epsilon;

      @Option(names = "--interval", paramLabel = "DURATION", description = "Reallocate this often, e.g. 5s.")
      String interval;

      @Option(names = "--floor", paramLabel = "PERCENT", description = "Every arm keeps at least this share.")
      String floor;

      @Option(names = "--promote-threshold", paramLabel = "P", description = "Promote the arm that is best with this probability.")
      Double promoteThreshold;

      @Option(names = "--min-rewards", paramLabel = "N", description = "Rewards per arm before promoting.")
      Long minRewards;
    }

    static final class GateFlags {
      @Option(names = "--min-samples", paramLabel = "N", description = "Target requests before the gate judges.")
      Long minSamples;

      @Option(names = "--max-error-increase", paramLabel = "FRACTION", description = "e.g. 0.01 = one point over stable.")
      Double maxErrorIncrease;

      @Option(names = "--max-p99-ratio", paramLabel = "RATIO", description = "e.g. 1.5 = p99 at most 1.5x stable's.")
      Double maxP99Ratio;
    }

    /** The flag that names each phase kind: where it came on the command line orders the phases. */
    private static final Map<String, String> PHASE_FLAGS = Map.of("--shadow", "shadow", "--canary", "canary",
        "--blue-green", "blueGreen", "--rolling", "rolling", "--ab", "ab", "--bandit", "bandit");

    /** The phase kinds in the order their flags were given. */
    List<String> order() {
      List<String> order = new ArrayList<>();
      ParseResult parsed = spec.commandLine().getParseResult();
      if (parsed == null) return order;
      for (OptionSpec option : parsed.matchedOptions()) {
        String kind = PHASE_FLAGS.get(option.longestName());
        if (kind != null && !order.contains(kind)) order.add(kind);
      }
      return order;
    }

    PlanBuilder.Flags flags() {
      return new PlanBuilder.Flags(target, stickyHeader, order(),
          shadow == null ? null : new PlanBuilder.Shadow(shadow.mirror, shadow.candidates, shadow.duration,
              shadow.minSamples, shadow.minAgreement, shadow.maxP99Ratio, shadow.maxErrorRate),
          canary == null ? null : canary.steps, bake,
          blueGreen == null ? null
              : new PlanBuilder.BlueGreen(blueGreen.previewHeader, blueGreen.previewTime, blueGreen.keepBlueWarm),
          rolling == null ? null : new PlanBuilder.Rolling(rolling.maxSurge, rolling.maxUnavailable),
          ab == null ? null : new PlanBuilder.Ab(ab.arms, ab.rules),
          bandit == null ? null : new PlanBuilder.Bandit(bandit.policy, bandit.arms, bandit.epsilon, bandit.interval,
              bandit.floor, bandit.promoteThreshold, bandit.minRewards),
          gate == null ? null : new PlanBuilder.Gate(gate.minSamples, gate.maxErrorIncrease, gate.maxP99Ratio));
    }

    ObjectNode plan() {
      if (file == null) return PlanBuilder.fromFlags(flags());
      if (!flags().kinds().isEmpty() || bake != null || gate != null || stickyHeader != null) {
        throw CliException.usage("--file holds the whole plan: give phases and gates there, not as flags"
            + " (only --target may override the file's)");
      }
      return PlanBuilder.fromFile(file, target);
    }

    @Override
    public Integer call() {
      ObjectNode plan = plan();
      Reply reply = client().post("/admin/models/" + AdminClient.segment(model) + "/rollouts", plan.toString());
      return print(reply.json(), status -> "started: " + Render.status(status));
    }
  }

  @Command(name = "status", description = "Where a model's rollout stands.")
  static final class Status extends AdminCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Override
    public Integer call() {
      return print(client().get(rolloutPath(model)).json(), Render::status);
    }
  }

  @Command(name = "watch", description = {
      "Follow a rollout's events until it ends: one line per event. On a terminal a",
      "panel under them shows the phase's progress and, live, its shadow agreement,",
      "bandit allocation or A/B report; elsewhere those print when they change.",
      "Exits 0 when the rollout is promoted, 3 when it is rolled back or aborted."})
  static final class Watch extends AdminCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})(ms|s|m|h)?");

    @Option(names = "--every", paramLabel = "DURATION",
        description = "Refresh the analysis this often: 500ms, 2s, 1m (default 2s on a terminal, 30s otherwise; 0: on events only).")
    String every;

    @Override
    public Integer call() {
      boolean terminal = root().terminal && !json();
      Duration interval = every == null ? Duration.ofSeconds(terminal ? 2 : 30) : duration(every, "--every");
      return new Watcher(client(), model, out(), terminal, json(), interval).watch();
    }

    /** 0, 500ms, 2s, 1m, 1h. */
    static Duration duration(String text, String flag) {
      Matcher m = DURATION.matcher(text.strip());
      if (!m.matches() || (m.group(2) == null && !m.group(1).equals("0"))) {
        throw CliException.usage(flag + " must be a duration such as 500ms, 2s or 1m, not '" + text + "'");
      }
      long amount = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      return switch (unit) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    }
  }

  /** pause, resume, promote: a command with no arguments but the model. */
  abstract static class Control extends AdminCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    abstract String action();

    String body() {
      return "";
    }

    @Override
    public Integer call() {
      Reply reply = client().post(rolloutPath(model) + "/" + action(), body());
      return print(reply.json(), status -> action() + "d: " + Render.status(status));
    }
  }

  @Command(name = "pause", description = "Hold the rollout where it is (traffic stays as it is).")
  static final class Pause extends Control {
    String action() {
      return "pause";
    }
  }

  @Command(name = "resume", description = "Go on with a paused rollout (weights set by hand give way to the phase's).")
  static final class Resume extends Control {
    String action() {
      return "resume";
    }
  }

  @Command(name = "promote", description = "Skip the remaining phases: all traffic to the target, which becomes stable.")
  static final class Promote extends Control {
    String action() {
      return "promote";
    }
  }

  @Command(name = "abort", description = "Roll back by hand: all traffic to stable, the target's replicas stop.")
  static final class Abort extends Control {
    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history.")
    String reason;

    String action() {
      return "abort";
    }

    @Override
    String body() {
      if (reason == null) return "";
      ObjectNode body = AdminClient.JSON.createObjectNode();
      body.put("reason", reason);
      return body.toString();
    }

    @Override
    public Integer call() {
      Reply reply = client().post(rolloutPath(model) + "/abort", body());
      return print(reply.json(), status -> "aborted: " + Render.status(status));
    }
  }

  @Command(name = "weights", description = {"Set the split between stable and target by hand (pauses the rollout).",
      "  turnoutctl weights iris 1=70,2=30"})
  static final class Weights extends AdminCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", paramLabel = "WEIGHTS", description = "VERSION=PERCENT pairs adding up to 100.")
    String weights;

    @Override
    public Integer call() {
      Reply reply = client().put(rolloutPath(model) + "/weights", PlanBuilder.weights(weights).toString());
      return print(reply.json(), status -> "weights set: " + Render.status(status));
    }
  }

  @Command(name = "history", description = "A model's rollout history (the audit log), newest last.")
  static final class History extends AdminCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Entries to show (default 20, at most 1000).")
    int limit;

    @Option(names = "--after", paramLabel = "SEQUENCE", description = "Entries after this one, oldest first (default: the newest).")
    Long after;

    @Override
    public Integer call() {
      if (limit < 1 || limit > 1000) throw CliException.usage("--limit must be from 1 to 1000");
      long from = after != null ? after
          : Math.max(0, client().get(rolloutPath(model) + "/history?limit=1").json().path("lastSequence").asLong() - limit);
      JsonNode page = client().get(rolloutPath(model) + "/history?after=" + from + "&limit=" + limit).json();
      return print(page, history -> {
        StringBuilder text = new StringBuilder();
        history.path("entries").forEach(entry -> text.append(Render.historyLine(entry)).append('\n'));
        if (text.length() == 0) text.append("no history after ").append(from).append('\n');
        if (history.path("more").asBoolean()) {
          text.append("… more: --after ").append(history.path("next").asLong()).append('\n');
        }
        return text.toString();
      });
    }
  }

  @Command(name = "cluster", description = "The cluster's members as the node sees them.",
      subcommands = ClusterDrain.class)
  static final class ClusterMembers extends AdminCommand {
    @Override
    public Integer call() {
      return print(client().get("/admin/cluster").json(), Render::cluster);
    }
  }

  @Command(name = "drain", description = {
      "Drains the node at --url, as SIGTERM would: its readiness turns false at once, it serves for its",
      "drain period while load balancers notice, hands its replicas to the other nodes, leaves the",
      "cluster and exits 0. Answers at once; the node goes on alone."})
  static final class ClusterDrain extends AdminCommand {
    @Override
    public Integer call() {
      return print(client().post("/admin/cluster/drain", "").json(), Render::draining);
    }
  }
}
