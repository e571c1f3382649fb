package io.turnout.ops.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docker/Dockerfile, checked against the build it packages and the node it runs. */
class DockerfileTest {
  private static final Dockerfile DOCKERFILE = Dockerfile.parse(Repo.read(Repo.path("docker/Dockerfile")));

  @Test
  void aMavenBuildStageThenAJreRuntimeStageThatIsTheDefaultTarget() {
    Dockerfile.Stage build = DOCKERFILE.stage("build");
    Dockerfile.Stage node = DOCKERFILE.stage("node");
    assertTrue(build.image().startsWith("maven:"), build.image());
    assertTrue(node.image().contains("-jre"), "the runtime needs a JRE, not a JDK or Maven: " + node.image());
    assertEquals(node, DOCKERFILE.last(), "a plain docker build must give the node image");
    for (Dockerfile.Stage stage : DOCKERFILE.stages()) {
      assertNull(Images.unpinned(stage.image()), "FROM " + stage.image());
    }
  }

  @Test
  void theBuildCopiesEveryReactorModuleAndTheJarsItPackagesExist() {
    Dockerfile.Stage build = DOCKERFILE.stage("build");
    String copies = String.join("\n", build.all("COPY"));
    for (String module : reactorModules()) {
      assertTrue(copies.contains(module + "/pom.xml"), "the reactor needs " + module + "/pom.xml");
      assertTrue(Files.isRegularFile(Repo.path(module + "/pom.xml")), module);
    }
    for (String copy : build.all("COPY")) {
      String source = copy.split("\\s+")[0];
      assertTrue(Files.exists(Repo.path(source)), "COPY " + source + ": not in the repository");
    }
    String run = String.join("\n", build.all("RUN"));
    // The jar names the Maven build produces (finalName in each module's POM).
    assertTrue(run.contains("cluster-node/target/" + finalName("cluster-node") + ".jar"), run);
    assertTrue(run.contains("ops/target/" + finalName("ops") + ".jar"), run);
    assertTrue(run.contains("cluster-node/target/lib/") && run.contains("ops/target/lib/"), "the thin jars need lib/");
  }

  @Test
  void theRuntimeRunsTheNodeJarAsANonRootUser() {
    Dockerfile.Stage node = DOCKERFILE.stage("node");
    List<String> users = node.all("USER");
    assertEquals(1, users.size(), "one USER in the runtime stage");
    String uid = users.get(0).split(":")[0];
    assertTrue(uid.matches("\\d+") && Integer.parseInt(uid) > 0, "a numeric non-root uid (Kubernetes can verify it): " + uid);
    assertTrue(node.all("COPY").stream().anyMatch(c -> c.startsWith("--from=build")), "jars come from the build stage");
    String entrypoint = String.join(" ", node.all("ENTRYPOINT"));
    assertTrue(entrypoint.contains("/opt/turnout/" + finalName("cluster-node") + ".jar"), entrypoint);
    assertEquals(List.of(uid), List.of(KubernetesManifestsTest.podRunAsUser()),
        "ops/k8s/deployment.yaml runs as the image's user");
  }

  @Test
  void tensorFlowsNativeCacheIsAWritableFolderOfTheUserAndOneDnnIsOff() {
    Dockerfile.Stage node = DOCKERFILE.stage("node");
    assertEquals("0", node.env().get("TF_ENABLE_ONEDNN_OPTS"));
    Matcher cache = Pattern.compile("-Dorg\\.bytedeco\\.javacpp\\.cachedir=(\\S+)")
        .matcher(node.env().getOrDefault("JAVA_TOOL_OPTIONS", ""));
    assertTrue(cache.find(), "JAVA_TOOL_OPTIONS sets the JavaCPP cache folder for every JVM in the image");
    String dir = cache.group(1);
    String run = String.join("\n", node.all("RUN"));
    assertTrue(run.contains("mkdir -p " + parentOf(dir)) || run.contains(dir), "the image creates " + dir);
    assertTrue(Pattern.compile("chown -R \\S+ [^\\n&]*" + Pattern.quote(parentOf(dir))).matcher(run).find(),
        "the node's user owns " + parentOf(dir) + ": " + run);
    assertTrue(String.join(" ", node.all("VOLUME")).contains(parentOf(dir)), "the cache is a volume");
  }

  @Test
  void everyPortTheNodeListensOnIsExposedAndTheHealthCheckAsksReadiness() {
    Dockerfile.Stage node = DOCKERFILE.stage("node");
    Set<Integer> exposed = node.all("EXPOSE").stream().flatMap(e -> Arrays.stream(e.split("\\s+")))
        .map(p -> Integer.parseInt(p.replace("/tcp", ""))).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(Set.of(NodeSettings.httpPort(), NodeSettings.adminPort(), NodeSettings.MANAGEMENT_PORT,
        NodeSettings.remotingPort())), exposed);
    List<String> checks = node.all("HEALTHCHECK");
    assertEquals(1, checks.size());
    assertTrue(checks.get(0).contains("${TURNOUT_HTTP_PORT:-" + NodeSettings.httpPort() + "}/health/ready"), checks.get(0));
  }

  @Test
  void theHelperCommandsStartClassesThatExist() throws Exception {
    String run = String.join("\n", DOCKERFILE.stage("node").all("RUN"));
    Matcher mains = Pattern.compile("-cp /opt/turnout/" + finalName("ops") + "\\.jar (io\\.turnout\\.[\\w.]+)").matcher(run);
    int found = 0;
    while (mains.find()) {
      Method main = Class.forName(mains.group(1)).getMethod("main", String[].class);
      assertTrue(Modifier.isStatic(main.getModifiers()), mains.group(1));
      found++;
    }
    assertEquals(2, found, "build-models and turnoutctl");
  }

  @Test
  void theBuildContextLeavesOutBuildOutputAndCaches() {
    String ignore = Repo.read(Repo.path("docker/Dockerfile.dockerignore"));
    for (String excluded : List.of("**/target/", ".cache/", ".git/", "models/", "var/")) {
      assertTrue(ignore.lines().anyMatch(excluded::equals), excluded);
    }
  }

  static List<String> reactorModules() {
    Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(Repo.read(Repo.path("pom.xml")));
    List<String> names = new java.util.ArrayList<>();
    while (modules.find()) names.add(modules.group(1));
    assertNotNull(names);
    assertTrue(names.contains("cluster-node"), names.toString());
    return names;
  }

  private static String finalName(String module) {
    Matcher name = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(Repo.read(Repo.path(module + "/pom.xml")));
    assertTrue(name.find(), module + " sets no finalName");
    return name.group(1);
  }

  private static String parentOf(String dir) {
    return dir.substring(0, dir.lastIndexOf('/'));
  }
}
