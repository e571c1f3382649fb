package io.turnout.ops.packaging;

import static io.turnout.ops.packaging.Repo.at;
import static io.turnout.ops.packaging.Repo.list;
import static io.turnout.ops.packaging.Repo.listOrEmpty;
import static io.turnout.ops.packaging.Repo.map;
import static io.turnout.ops.packaging.Repo.mapOrEmpty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docker/compose.yaml and the files it mounts, resolved as {@code docker compose config} would:
 * references between services, volumes, files and the node's own settings.
 */
class ComposeFileTest {
  private static final Path DOCKER = Repo.path("docker");
  private static final Path COMPOSE_FILE = DOCKER.resolve("compose.yaml");
  private static final Map<String, Object> COMPOSE = Repo.yamlMap(COMPOSE_FILE);
  private static final Set<String> TOP_LEVEL = Set.of("name", "services", "volumes", "networks", "configs", "secrets");
  private static final Set<String> CONDITIONS = Set.of("service_started", "service_healthy", "service_completed_successfully");
  /** What the node needs after SIGTERM beyond its drain: cluster leave, shard hand-off, HTTP unbind. */
  private static final Duration LEAVE_BUDGET = Duration.ofSeconds(30);
  // ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $NAME and $$ (a literal $).
  private static final Pattern INTERPOLATION =
      Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

  static Map<String, Object> services() {
    return map(COMPOSE.get("services"), "services");
  }

  static Map<String, Object> service(String name) {
    return map(services().get(name), "service " + name);
  }

  /** Services that run the node: the Turnout image with its own entrypoint. */
  static List<String> nodeServices() {
    Dockerfile dockerfile = Dockerfile.parse(Repo.read(DOCKER.resolve("Dockerfile")));
    String nodeStage = dockerfile.last().name();
    return services().keySet().stream().filter(name -> {
      Map<String, Object> service = service(name);
      return service.get("entrypoint") == null && nodeStage.equals(at(service, "build", "target"));
    }).toList();
  }

  static Map<String, String> environment(String service) {
    Object env = service(service).get("environment");
    Map<String, String> result = new LinkedHashMap<>();
    if (env instanceof List<?> entries) {
      for (Object entry : entries) {
        String[] pair = String.valueOf(entry).split("=", 2);
        result.put(pair[0], pair.length > 1 ? pair[1] : "");
      }
    } else {
      mapOrEmpty(env, service + ".environment").forEach((k, v) -> result.put(k, String.valueOf(v)));
    }
    return result;
  }

  @Test
  void onlyComposeKeysAndExtensionFieldsAtTheTop() {
    for (String key : COMPOSE.keySet()) {
      assertTrue(TOP_LEVEL.contains(key) || key.startsWith("x-"), "unknown top-level key " + key);
    }
  }

  @Test
  void threeNodesCassandraNginxPrometheusGrafanaAndTheModelBuilder() {
    assertEquals(List.of("node1", "node2", "node3"), nodeServices());
    for (String name : List.of("cassandra", "nginx", "prometheus", "grafana", "models")) {
      assertTrue(services().containsKey(name), name);
    }
    assertTrue(Images.repository((String) service("cassandra").get("image")).equals("cassandra")
        && Images.tag((String) service("cassandra").get("image")).startsWith("5.0."), "Cassandra 5.0");
    assertEquals(List.of("build-models", "--root", "/models"), service("models").get("entrypoint"));
  }

  @Test
  void everyImageIsPinnedAndEveryBuildFindsItsDockerfileAndStage() {
    services().forEach((name, value) -> {
      Map<String, Object> service = map(value, name);
      if (service.get("image") != null) assertNull(Images.unpinned((String) service.get("image")), name);
      Object build = service.get("build");
      assertTrue(service.get("image") != null || build != null, name + " has neither image nor build");
      if (build != null) {
        Path context = DOCKER.resolve(String.valueOf(at(build, "context"))).normalize();
        assertTrue(Files.isRegularFile(context.resolve("pom.xml")), name + ": the build context is the repository root");
        Path dockerfile = context.resolve(String.valueOf(at(build, "dockerfile")));
        assertTrue(Files.isRegularFile(dockerfile), name + ": " + dockerfile);
        String target = (String) at(build, "target");
        Dockerfile.parse(Repo.read(dockerfile)).stage(target);
      }
    });
  }

  @Test
  void dependenciesNameServicesWithConditionsTheyCanMeet() {
    services().forEach((name, value) -> {
      Object dependsOn = map(value, name).get("depends_on");
      Map<String, String> conditions = new LinkedHashMap<>();
      if (dependsOn instanceof List<?> names) {
        names.forEach(n -> conditions.put(String.valueOf(n), "service_started"));
      } else {
        mapOrEmpty(dependsOn, name + ".depends_on").forEach((n, c) -> conditions.put(n, (String) at(c, "condition")));
      }
      conditions.forEach((dependency, condition) -> {
        assertTrue(services().containsKey(dependency), name + " depends on unknown service " + dependency);
        assertTrue(CONDITIONS.contains(condition), name + ": condition " + condition);
        if (condition.equals("service_healthy")) {
          assertTrue(service(dependency).containsKey("healthcheck"), dependency + " has no healthcheck for " + name);
        }
        if (condition.equals("service_completed_successfully")) {
          assertEquals("no", String.valueOf(service(dependency).getOrDefault("restart", "no")),
              dependency + " must run once for " + name + " to start");
        }
      });
    });
  }

  @Test
  void namedVolumesAreDeclaredAndMountedFilesExist() {
    Set<String> declared = mapOrEmpty(COMPOSE.get("volumes"), "volumes").keySet();
    Set<String> used = new TreeSet<>();
    services().forEach((name, value) -> {
      for (Object volume : listOrEmpty(map(value, name).get("volumes"), name + ".volumes")) {
        String source = String.valueOf(volume).split(":")[0];
        if (source.startsWith(".") || source.startsWith("/")) {
          assertTrue(Files.exists(DOCKER.resolve(source).normalize()), name + " mounts missing " + source);
        } else {
          assertTrue(declared.contains(source), name + " uses undeclared volume " + source);
          used.add(source);
        }
      }
    });
    assertEquals(new TreeSet<>(declared), used, "declared volumes that nothing uses");
  }

  @Test
  void interpolationIsWellFormedAndSecretsHaveNoDefault() {
    String text = Repo.read(COMPOSE_FILE);
    Set<String> required = new TreeSet<>();
    for (String line : text.split("\n")) {
      if (line.strip().startsWith("#")) continue;
      int dollar = line.indexOf('$');
      while (dollar >= 0) {
        Matcher matcher = INTERPOLATION.matcher(line);
        assertTrue(matcher.find(dollar) && matcher.start() == dollar, "bad interpolation in: " + line.strip());
        if (matcher.group(2) != null && matcher.group(2).endsWith("?")) required.add(matcher.group(1));
        dollar = line.indexOf('$', matcher.end());
      }
    }
    assertEquals(Set.of("TURNOUT_CLUSTER_SECRET", "TURNOUT_ADMIN_TOKEN"), required,
        "secrets are required from the environment, never defaulted in the file");
  }

  @Test
  void nodesSetOnlyVariablesTheNodeReads() {
    List<String> problems = new ArrayList<>();
    for (String node : nodeServices()) {
      for (String name : environment(node).keySet()) {
        String problem = NodeSettings.problemWith(name, Set.of());
        if (problem != null) problems.add(node + ": " + problem);
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void eachNodeAnnouncesItsOwnNameAndTheSeedsAreNodes() {
    Pattern seed = Pattern.compile("pekko://turnout@([a-z0-9-]+):(\\d+)");
    for (String node : nodeServices()) {
      Map<String, String> env = environment(node);
      assertEquals(node, env.get("TURNOUT_REMOTE_HOST"), node + " announces its service name for remoting");
      assertEquals(node, service(node).get("hostname"));
      String seeds = env.get("TURNOUT_SEED_NODES");
      assertFalse(seeds == null || seeds.isBlank(), node + " has seed nodes");
      for (String address : seeds.split(",")) {
        Matcher matcher = seed.matcher(address.strip());
        assertTrue(matcher.matches(), "seed " + address + " (actor system 'turnout')");
        assertTrue(nodeServices().contains(matcher.group(1)), "seed " + address + " is no node");
        int port = Integer.parseInt(environment(matcher.group(1)).getOrDefault("TURNOUT_REMOTE_PORT",
            String.valueOf(NodeSettings.remotingPort())));
        assertEquals(port, Integer.parseInt(matcher.group(2)), "seed " + address + " on the node's remoting port");
      }
      for (String point : env.get("TURNOUT_CASSANDRA_CONTACT_POINTS").split(",")) {
        String[] hostPort = point.strip().split(":");
        assertTrue(services().containsKey(hostPort[0]), "contact point " + point + " is no service");
        assertEquals("9042", hostPort[1]);
      }
      assertEquals("/models", env.get("TURNOUT_MODEL_ROOT"));
      assertTrue(listOrEmpty(service(node).get("volumes"), "volumes").contains("models:/models:ro"),
          node + " reads the models the builder wrote");
    }
    assertTrue(listOrEmpty(service("models").get("volumes"), "volumes").contains("models:/models"));
  }

  @Test
  void stopGracePeriodCoversTheDrainAndTheLeave() {
    for (String node : nodeServices()) {
      Duration grace = Durations.parse(String.valueOf(service(node).get("stop_grace_period")));
      Duration drain = Durations.parse(environment(node).getOrDefault("TURNOUT_DRAIN_PERIOD", "5s"));
      assertTrue(drain.plus(LEAVE_BUDGET).compareTo(grace) <= 0, node + ": drain " + drain + " + leave " + LEAVE_BUDGET
          + " must fit in stop_grace_period " + grace);
    }
  }

  @Test
  void nginxBalancesEveryNodesPredictionAndAdminPortsAndRetriesOnlyConnectionErrors() {
    String conf = Repo.read(mountedFile("nginx", "/etc/nginx/nginx.conf"));
    Matcher upstreams = Pattern.compile("upstream\\s+(\\S+)\\s*\\{([^}]*)}").matcher(conf);
    Map<String, Set<String>> servers = new LinkedHashMap<>();
    while (upstreams.find()) {
      Set<String> members = new TreeSet<>();
      Matcher server = Pattern.compile("(?m)^\\s*server\\s+([^\\s;]+)").matcher(upstreams.group(2));
      while (server.find()) members.add(server.group(1));
      servers.put(upstreams.group(1), members);
    }
    Set<String> predictions = nodeServices().stream().map(n -> n + ":" + NodeSettings.httpPort()).collect(Collectors.toSet());
    Set<String> admin = nodeServices().stream().map(n -> n + ":" + NodeSettings.adminPort()).collect(Collectors.toSet());
    assertEquals(List.of(predictions, admin), List.copyOf(servers.values()), "upstreams " + servers);
    for (String upstream : servers.keySet()) {
      assertTrue(conf.contains("proxy_pass http://" + upstream + ";"), upstream + " is used");
    }
    Matcher retry = Pattern.compile("proxy_next_upstream\\s+([^;]+);").matcher(conf);
    assertTrue(retry.find());
    assertFalse(retry.group(1).contains("non_idempotent") || retry.group(1).contains("http_"),
        "a request a node accepted is never sent to another: " + retry.group(1));
    Set<String> listens = new TreeSet<>();
    Matcher listen = Pattern.compile("listen\\s+(\\d+)").matcher(conf);
    while (listen.find()) listens.add(listen.group(1));
    Set<String> published = listOrEmpty(service("nginx").get("ports"), "ports").stream()
        .map(p -> String.valueOf(p).substring(String.valueOf(p).lastIndexOf(':') + 1)).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(listens, published, "nginx publishes the ports it listens on");
  }

  @Test
  void prometheusScrapesTheMetricsOfEveryNode() {
    Map<String, Object> prometheus = Repo.yamlMap(mountedFile("prometheus", "/etc/prometheus/prometheus.yml"));
    Set<String> targets = new TreeSet<>();
    for (Object job : list(prometheus.get("scrape_configs"), "scrape_configs")) {
      assertEquals("/metrics", String.valueOf(map(job, "job").getOrDefault("metrics_path", "/metrics")));
      for (Object config : list(map(job, "job").get("static_configs"), "static_configs")) {
        list(map(config, "static_config").get("targets"), "targets").forEach(t -> targets.add(String.valueOf(t)));
      }
    }
    Set<String> expected = nodeServices().stream().map(n -> n + ":" + NodeSettings.httpPort())
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(expected, targets, "the prediction port of every node serves /metrics");
  }

  @Test
  void grafanaProvisionsPrometheusAndTheDashboard() throws IOException {
    Path provisioning = mountedFile("grafana", "/etc/grafana/provisioning");
    Path dashboards = mountedFile("grafana", "/var/lib/grafana/dashboards");
    Map<String, Object> sources = Repo.yamlMap(provisioning.resolve("datasources/prometheus.yaml"));
    Map<String, Object> source = map(list(sources.get("datasources"), "datasources").get(0), "datasource");
    assertEquals("http://prometheus:9090", source.get("url"));
    assertTrue(services().containsKey("prometheus"));
    String uid = (String) source.get("uid");

    Map<String, Object> provider = map(list(Repo.yamlMap(provisioning.resolve("dashboards/turnout.yaml")).get("providers"),
        "providers").get(0), "provider");
    assertEquals("/var/lib/grafana/dashboards", at(provider, "options", "path"));
    String home = environment("grafana").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
    assertTrue(Files.isRegularFile(dashboards.resolve(home.substring("/var/lib/grafana/dashboards/".length()))), home);

    List<Path> files = Repo.files(dashboards, ".json");
    assertFalse(files.isEmpty());
    for (Path file : files) {
      JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
      assertTrue(dashboard.path("uid").isTextual() && dashboard.path("title").isTextual(), file.toString());
      List<JsonNode> datasources = dashboard.findValues("datasource");
      assertFalse(datasources.isEmpty());
      for (JsonNode datasource : datasources) {
        assertEquals(uid, datasource.path("uid").asText(), file.getFileName() + " uses the provisioned datasource");
      }
      List<String> titles = new ArrayList<>();
      dashboard.path("panels").forEach(p -> titles.add(p.path("title").asText()));
      assertTrue(titles.containsAll(List.of("Request rate per version", "Error rate per version",
          "p99 latency per version", "Rollout weights")), titles.toString());
      // Which metric names the queries may use is checked against a real scrape in cluster-node's MetricsTest.
    }
  }

  /** The repository file a service mounts at {@code target}. */
  private static Path mountedFile(String service, String target) {
    for (Object volume : listOrEmpty(service(service).get("volumes"), service + ".volumes")) {
      String[] parts = String.valueOf(volume).split(":");
      if (parts.length >= 2 && parts[1].equals(target) && parts[0].startsWith(".")) {
        return DOCKER.resolve(parts[0]).normalize();
      }
    }
    throw new AssertionError(service + " mounts nothing from the repository at " + target);
  }
}
