package io.turnout.ops.packaging;

import static io.turnout.ops.packaging.Repo.at;
import static io.turnout.ops.packaging.Repo.list;
import static io.turnout.ops.packaging.Repo.listOrEmpty;
import static io.turnout.ops.packaging.Repo.map;
import static io.turnout.ops.packaging.Repo.mapOrEmpty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** ops/k8s: every manifest parses and its objects refer to each other, to the image and to the node consistently. */
class KubernetesManifestsTest {
  private static final Path DIR = Repo.path("ops/k8s");
  private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding");
  /** What the node needs after SIGTERM beyond its drain: cluster leave, shard hand-off, HTTP unbind. */
  private static final Duration LEAVE_BUDGET = Duration.ofSeconds(30);

  record Manifest(Path file, Map<String, Object> object) {
    String kind() {
      return (String) object.get("kind");
    }

    String name() {
      return (String) at(object, "metadata", "name");
    }
  }

  static List<Manifest> manifests() {
    List<Manifest> all = new ArrayList<>();
    for (Path file : Repo.files(DIR, ".yaml", ".yml")) {
      if (file.getFileName().toString().startsWith("kustomization.")) continue;
      for (Object document : Repo.yamlDocuments(file)) all.add(new Manifest(file, map(document, file.toString())));
    }
    return all;
  }

  static Manifest only(String kind) {
    List<Manifest> found = manifests().stream().filter(m -> kind.equals(m.kind())).toList();
    assertEquals(1, found.size(), "one " + kind);
    return found.get(0);
  }

  static Manifest named(String kind, String name) {
    return manifests().stream().filter(m -> kind.equals(m.kind()) && name.equals(m.name())).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + DIR));
  }

  static Map<String, Object> podSpec() {
    return map(at(only("Deployment").object(), "spec", "template", "spec"), "the pod spec");
  }

  static Map<String, Object> podLabels() {
    return map(at(only("Deployment").object(), "spec", "template", "metadata", "labels"), "the pod labels");
  }

  static Map<String, Object> nodeContainer() {
    List<Object> containers = list(podSpec().get("containers"), "containers");
    assertEquals(1, containers.size(), "one container: the node");
    return map(containers.get(0), "the node container");
  }

  /** The uid the pods run as, for the Dockerfile's test. */
  static String podRunAsUser() {
    return String.valueOf(at(podSpec(), "securityContext", "runAsUser"));
  }

  @Test
  void everyObjectHasApiVersionKindNameAndTheNamespace() {
    List<Manifest> all = manifests();
    assertFalse(all.isEmpty());
    String namespace = only("Namespace").name();
    for (Manifest manifest : all) {
      String where = manifest.file().getFileName() + " " + manifest.kind() + "/" + manifest.name();
      assertTrue(manifest.object().get("apiVersion") instanceof String, where + ": apiVersion");
      assertTrue(manifest.kind() != null && !manifest.kind().isBlank(), where + ": kind");
      assertTrue(manifest.name() != null && manifest.name().matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?"), where + ": metadata.name");
      if (!CLUSTER_SCOPED.contains(manifest.kind())) {
        assertEquals(namespace, at(manifest.object(), "metadata", "namespace"), where + ": namespace");
      }
    }
    Set<String> keys = new HashSet<>();
    for (Manifest manifest : all) {
      assertTrue(keys.add(manifest.kind() + "/" + manifest.name()), "duplicate " + manifest.kind() + "/" + manifest.name());
    }
  }

  @Test
  void kustomizationListsEveryManifestFile() {
    Map<String, Object> kustomization = Repo.yamlMap(DIR.resolve("kustomization.yaml"));
    Set<String> listed = list(kustomization.get("resources"), "resources").stream().map(String::valueOf)
        .collect(Collectors.toCollection(TreeSet::new));
    Set<String> files = Repo.files(DIR, ".yaml", ".yml").stream().map(p -> DIR.relativize(p).toString())
        .filter(f -> !f.startsWith("kustomization.")).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(files, listed);
  }

  @Test
  void everyImageIsPinned() {
    Map<String, Object> pod = podSpec();
    List<Object> containers = new ArrayList<>(listOrEmpty(pod.get("initContainers"), "initContainers"));
    containers.addAll(list(pod.get("containers"), "containers"));
    for (Object container : containers) {
      String image = (String) map(container, "container").get("image");
      assertNull(Images.unpinned(image), "image of " + map(container, "container").get("name"));
      assertEquals(Images.repository(image), Images.repository((String) nodeContainer().get("image")),
          "every container runs the Turnout image (docker/Dockerfile)");
    }
  }

  @Test
  void theServiceAccountMayReadPodsForBootstrap() {
    String account = (String) podSpec().get("serviceAccountName");
    assertNotNull(account, "the pods run with their own service account");
    named("ServiceAccount", account);
    Manifest binding = only("RoleBinding");
    Map<String, Object> roleRef = map(binding.object().get("roleRef"), "roleRef");
    assertEquals("Role", roleRef.get("kind"));
    Manifest role = named("Role", (String) roleRef.get("name"));
    assertTrue(list(binding.object().get("subjects"), "subjects").stream().map(s -> map(s, "subject"))
        .anyMatch(s -> "ServiceAccount".equals(s.get("kind")) && account.equals(s.get("name"))
            && at(role.object(), "metadata", "namespace").equals(s.get("namespace"))), "the binding names the pods' account");
    boolean readsPods = list(role.object().get("rules"), "rules").stream().map(r -> map(r, "rule")).anyMatch(rule ->
        list(rule.get("apiGroups"), "apiGroups").contains("")
            && list(rule.get("resources"), "resources").contains("pods")
            && list(rule.get("verbs"), "verbs").containsAll(List.of("get", "watch", "list")));
    assertTrue(readsPods, "get, watch and list on pods");
  }

  @Test
  void threeReplicasAndSelectorsOfDeploymentDisruptionBudgetAndServicesMatchThePods() {
    Map<String, Object> deployment = only("Deployment").object();
    assertEquals(3, at(deployment, "spec", "replicas"));
    Map<String, Object> labels = podLabels();
    assertSubset(map(at(deployment, "spec", "selector", "matchLabels"), "selector"), labels, "Deployment selector");

    Map<String, Object> budget = only("PodDisruptionBudget").object();
    assertEquals(1, at(budget, "spec", "maxUnavailable"));
    assertSubset(map(at(budget, "spec", "selector", "matchLabels"), "PDB selector"), labels, "PodDisruptionBudget selector");

    Set<String> portNames = containerPorts().keySet();
    List<Manifest> services = manifests().stream().filter(m -> "Service".equals(m.kind())).toList();
    assertFalse(services.isEmpty());
    Set<Integer> served = new TreeSet<>();
    for (Manifest service : services) {
      assertSubset(map(at(service.object(), "spec", "selector"), "selector"), labels, "Service " + service.name());
      for (Object port : list(at(service.object(), "spec", "ports"), "ports")) {
        Object target = map(port, "port").get("targetPort");
        assertTrue(portNames.contains(String.valueOf(target)) || containerPorts().containsValue(target),
            "Service " + service.name() + " targets " + target + ", not a container port " + containerPorts());
        served.add(containerPorts().getOrDefault(String.valueOf(target), target instanceof Integer i ? i : -1));
      }
    }
    assertTrue(served.contains(NodeSettings.httpPort()), "a Service for predictions");
  }

  @Test
  void theContainerExposesTheNodesPortsAndProbesTheManagementHealthRoutes() {
    Map<String, Integer> ports = containerPorts();
    assertEquals(Map.of("http", NodeSettings.httpPort(), "admin", NodeSettings.adminPort(),
        "management", NodeSettings.MANAGEMENT_PORT, "remoting", NodeSettings.remotingPort()), ports);
    Config node = nodeConf();
    assertEquals(ports.get("management").intValue(), node.getInt("pekko.management.http.port"));
    Map<String, Object> container = nodeContainer();
    Map<String, String> expectedPaths = Map.of(
        "readinessProbe", "/" + node.getString("pekko.management.health-checks.readiness-path"),
        "livenessProbe", "/" + node.getString("pekko.management.health-checks.liveness-path"),
        "startupProbe", "/" + node.getString("pekko.management.health-checks.liveness-path"));
    assertEquals("/health/ready", expectedPaths.get("readinessProbe"));
    assertEquals("/health/alive", expectedPaths.get("livenessProbe"));
    expectedPaths.forEach((probe, path) -> {
      Map<String, Object> get = map(at(container, probe, "httpGet"), probe + ".httpGet");
      assertEquals(path, get.get("path"), probe);
      Object port = get.get("port");
      assertEquals(NodeSettings.MANAGEMENT_PORT, port instanceof Integer i ? i : ports.get(String.valueOf(port)),
          probe + " on the management port");
    });
  }

  @Test
  void preStopAndDrainFitInTheTerminationGracePeriod() {
    Map<String, Object> container = nodeContainer();
    List<Object> preStop = list(at(container, "lifecycle", "preStop", "exec", "command"), "preStop command");
    assertEquals("sleep", preStop.get(0), "preStop waits for the endpoints to drop the pod");
    Duration preStopSleep = Duration.ofSeconds(Long.parseLong(String.valueOf(preStop.get(1))));
    Duration drain = Durations.parse(environment().getOrDefault("TURNOUT_DRAIN_PERIOD", "5s"));
    Duration grace = Duration.ofSeconds(((Number) podSpec().get("terminationGracePeriodSeconds")).longValue());
    Duration needed = preStopSleep.plus(drain).plus(LEAVE_BUDGET);
    assertTrue(needed.compareTo(grace) <= 0, "preStop " + preStopSleep + " + drain " + drain + " + leave "
        + LEAVE_BUDGET + " = " + needed + " must fit in terminationGracePeriodSeconds " + grace);
    // A rolling update must never take a ready pod away before its successor is ready.
    assertEquals(0, at(only("Deployment").object(), "spec", "strategy", "rollingUpdate", "maxUnavailable"));
  }

  @Test
  void theEnvironmentNamesOnlyWhatTheNodeReadsAndItsReferencesResolve() {
    Map<String, Object> container = nodeContainer();
    Set<String> readByNodeConf = NodeSettings.optionalEnvironment(Repo.read(DIR.resolve("configmap.yaml")));
    List<String> problems = new ArrayList<>();
    for (String name : environment().keySet()) {
      String problem = NodeSettings.problemWith(name, readByNodeConf);
      if (problem != null) problems.add(problem);
    }
    assertEquals(List.of(), problems);

    for (Object entry : listOrEmpty(container.get("env"), "env")) {
      Map<String, Object> variable = map(entry, "env entry");
      Map<String, Object> secret = mapOrEmpty(at(variable, "valueFrom", "secretKeyRef"), "secretKeyRef");
      if (!secret.isEmpty()) {
        Manifest found = named("Secret", (String) secret.get("name"));
        assertTrue(mapOrEmpty(found.object().get("stringData"), "stringData").containsKey(secret.get("key"))
            || mapOrEmpty(found.object().get("data"), "data").containsKey(secret.get("key")),
            "Secret " + found.name() + " has no key " + secret.get("key"));
      }
    }
    Map<String, Object> byName = listOrEmpty(container.get("env"), "env").stream().map(e -> map(e, "env"))
        .collect(Collectors.toMap(e -> (String) e.get("name"), e -> e));
    assertEquals("status.podIP", at(byName.get("TURNOUT_REMOTE_HOST"), "valueFrom", "fieldRef", "fieldPath"),
        "remoting announces the pod's address");
    assertNotNull(at(byName.get("TURNOUT_CLUSTER_SECRET"), "valueFrom", "secretKeyRef"), "the cluster secret from a Secret");
    assertNotNull(at(byName.get("TURNOUT_ADMIN_TOKEN"), "valueFrom", "secretKeyRef"), "the admin token from a Secret");
    assertTrue(environment().containsKey("TURNOUT_CASSANDRA_CONTACT_POINTS"), "Cassandra contact points");
    assertEquals("false", environment().get("TURNOUT_CASSANDRA_LOCAL_PROFILE"), "production profile: no keyspace creation");
    assertFalse(environment().containsKey("TURNOUT_SEED_NODES"), "seed nodes come from bootstrap, not a list");
  }

  @Test
  void theNodeConfigIsMountedWhereTheJvmReadsItAndBootstrapsThroughTheKubernetesApi() {
    Map<String, Object> pod = podSpec();
    Map<String, Map<String, Object>> volumes = list(pod.get("volumes"), "volumes").stream().map(v -> map(v, "volume"))
        .collect(Collectors.toMap(v -> (String) v.get("name"), v -> v));
    List<Object> containers = new ArrayList<>(listOrEmpty(pod.get("initContainers"), "initContainers"));
    containers.addAll(list(pod.get("containers"), "containers"));
    for (Object container : containers) {
      for (Object mount : list(map(container, "container").get("volumeMounts"), "volumeMounts")) {
        assertTrue(volumes.containsKey(map(mount, "mount").get("name")), "volume " + map(mount, "mount").get("name"));
      }
    }
    String configFile = environment().get("JDK_JAVA_OPTIONS").replaceAll(".*-Dconfig\\.file=(\\S+).*", "$1");
    String mountPath = configFile.substring(0, configFile.lastIndexOf('/'));
    String fileName = configFile.substring(configFile.lastIndexOf('/') + 1);
    Map<String, Object> mount = list(nodeContainer().get("volumeMounts"), "volumeMounts").stream().map(m -> map(m, "mount"))
        .filter(m -> mountPath.equals(m.get("mountPath"))).findFirst()
        .orElseThrow(() -> new AssertionError("nothing mounted at " + mountPath));
    String configMap = (String) at(volumes.get((String) mount.get("name")), "configMap", "name");
    assertTrue(map(named("ConfigMap", configMap).object().get("data"), "data").containsKey(fileName),
        "ConfigMap " + configMap + " holds " + fileName);
    // Every writable path the node needs is a volume: the root file system is read-only.
    assertEquals(true, at(nodeContainer(), "securityContext", "readOnlyRootFilesystem"));
    Set<String> mounted = list(nodeContainer().get("volumeMounts"), "volumeMounts").stream()
        .map(m -> (String) map(m, "mount").get("mountPath")).collect(Collectors.toSet());
    assertTrue(mounted.containsAll(Set.of("/tmp", "/var/cache/turnout", "/models")), mounted.toString());

    Config node = nodeConf();
    assertEquals("kubernetes-api", node.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
    String selector = node.getString("pekko.discovery.kubernetes-api.pod-label-selector")
        .replace("%s", node.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name"));
    String[] labelValue = selector.split("=", 2);
    assertEquals(labelValue[1], podLabels().get(labelValue[0]), "the discovery selector " + selector + " finds the pods");
    int required = node.getInt("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr");
    assertTrue(required >= 1 && required <= (Integer) at(only("Deployment").object(), "spec", "replicas"),
        "required contact points " + required + " within the replicas");
  }

  @Test
  void everyContainerHasResourceRequestsAndLimitsAndRunsUnprivileged() {
    Map<String, Object> pod = podSpec();
    assertEquals(true, at(pod, "securityContext", "runAsNonRoot"));
    List<Object> containers = new ArrayList<>(listOrEmpty(pod.get("initContainers"), "initContainers"));
    containers.addAll(list(pod.get("containers"), "containers"));
    for (Object entry : containers) {
      Map<String, Object> container = map(entry, "container");
      for (String kind : List.of("requests", "limits")) {
        Map<String, Object> resources = map(at(container, "resources", kind), container.get("name") + " resources." + kind);
        assertTrue(resources.containsKey("cpu") && resources.containsKey("memory"), container.get("name") + " " + kind);
      }
      assertEquals(false, at(container, "securityContext", "allowPrivilegeEscalation"), (String) container.get("name"));
    }
  }

  /** Container port numbers by name. */
  static Map<String, Integer> containerPorts() {
    return list(nodeContainer().get("ports"), "ports").stream().map(p -> map(p, "port"))
        .collect(Collectors.toMap(p -> (String) p.get("name"), p -> (Integer) p.get("containerPort")));
  }

  /** The node container's environment: its env entries and the ConfigMaps it takes whole. */
  static Map<String, String> environment() {
    Map<String, Object> container = nodeContainer();
    Map<String, String> environment = new java.util.TreeMap<>();
    for (Object from : listOrEmpty(container.get("envFrom"), "envFrom")) {
      String name = (String) at(from, "configMapRef", "name");
      if (name == null) fail("envFrom supports configMapRef here: " + from);
      map(named("ConfigMap", name).object().get("data"), "data").forEach((k, v) -> environment.put(k, String.valueOf(v)));
    }
    for (Object entry : listOrEmpty(container.get("env"), "env")) {
      Map<String, Object> variable = map(entry, "env entry");
      environment.put((String) variable.get("name"), variable.get("value") == null ? "" : String.valueOf(variable.get("value")));
    }
    return environment;
  }

  /** The HOCON file the ConfigMap mounts for the node, parsed (its include of the node's own config is not followed). */
  static Config nodeConf() {
    Map<String, Object> data = map(named("ConfigMap", "turnout-config").object().get("data"), "data");
    return ConfigFactory.parseString((String) data.get("node.conf"))
        .resolve(ConfigResolveOptions.noSystem().setAllowUnresolved(true));
  }

  private static void assertSubset(Map<String, Object> selector, Map<String, Object> labels, String what) {
    assertFalse(selector.isEmpty(), what + " is empty");
    selector.forEach((key, value) -> assertEquals(value, labels.get(key), what + " " + key + " against the pod labels"));
  }
}
