package io.turnout.ops.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImagesTest {
  @ParameterizedTest
  @ValueSource(strings = {"cassandra:5.0.6", "prom/prometheus:v3.1.0", "registry.example.com:5000/team/turnout:0.1.0",
      "eclipse-temurin:17.0.15_6-jre-jammy", "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
  void pinnedReferencesPass(String image) {
    assertNull(Images.unpinned(image));
  }

  @ParameterizedTest
  @ValueSource(strings = {"nginx", "nginx:latest", "cassandra:5", "registry.example.com:5000/turnout", "grafana/grafana:main",
      "turnout:${TAG}", "nginx@sha256:abc"})
  void movingReferencesFail(String image) {
    assertNotNull(Images.unpinned(image));
  }

  @ParameterizedTest
  @ValueSource(strings = {"registry.example.com:5000/team/turnout:0.1.0"})
  void theRegistryPortIsNoTag(String image) {
    assertEquals("0.1.0", Images.tag(image));
    assertEquals("registry.example.com:5000/team/turnout", Images.repository(image));
  }
}
