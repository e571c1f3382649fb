package io.turnout.node.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaPlacementTest {
  private final ReplicaPlacement<String> placement = new ReplicaPlacement<>(String::compareTo);

  private static Map<String, Collection<String>> regions(Object... regionThenShards) {
    Map<String, Collection<String>> regions = new LinkedHashMap<>();
    for (int i = 0; i < regionThenShards.length; i += 2) {
      regions.put((String) regionThenShards[i], List.of((String[]) regionThenShards[i + 1]));
    }
    return regions;
  }

  private static String[] shards(String... shards) {
    return shards;
  }

  @Test
  void aReplicaGoesWhereItsVersionHasFewestReplicasEvenIfThatNodeIsBusier() {
    Map<String, Collection<String>> regions = regions(
        "a", shards("iris@2#0"),
        "b", shards("wide@1#0", "wide@1#1", "iris@1#0"));
    assertEquals("b", placement.allocate("iris@2#1", regions));
  }

  @Test
  void amongNodesWithoutTheVersionTheLeastLoadedWinsThenTheFirstInOrder() {
    Map<String, Collection<String>> regions = regions(
        "c", shards("wide@1#0"),
        "b", shards(),
        "a", shards());
    assertEquals("a", placement.allocate("iris@2#0", regions));
    assertEquals("a", placement.allocate("iris@2#0", regions(
        "a", shards(), "b", shards())));
  }

  @Test
  void threeReplicasOnThreeNodesLandOnePerNode() {
    Map<String, Collection<String>> regions = new HashMap<>();
    for (String node : List.of("a", "b", "c")) regions.put(node, new ArrayList<>());
    for (int replica = 0; replica < 3; replica++) {
      for (String version : List.of("iris@1", "iris@2", "wide@1")) {
        String shard = version + "#" + replica;
        ((List<String>) regions.get(placement.allocate(shard, regions))).add(shard);
      }
    }
    for (Collection<String> shards : regions.values()) {
      assertEquals(3, shards.size(), regions.toString());
      assertEquals(3, shards.stream().map(ReplicaPlacement::versionOf).distinct().count(), regions.toString());
    }
  }

  @Test
  void withOneNodeEveryReplicaGoesThere() {
    assertEquals("a", placement.allocate("iris@2#1", regions("a", shards("iris@2#0"))));
  }

  @Test
  void noRegionIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> placement.allocate("iris@2#0", Map.of()));
  }

  @Test
  void shardsThatNameNoReplicaCountAsTheirOwnVersion() {
    assertEquals("iris@2", ReplicaPlacement.versionOf("iris@2#11"));
    assertEquals("plain", ReplicaPlacement.versionOf("plain"));
    assertEquals("b", placement.allocate("plain", regions("a", shards("x#0", "y#0"), "b", shards("z#0"))));
  }

  @Test
  void coLocatedReplicasAreSpreadWhenANodeWithoutTheVersionExists() {
    // Both replicas landed on a while b was away; b is back.
    Map<String, Collection<String>> regions = regions(
        "a", shards("iris@2#0", "iris@2#1", "wide@1#0"),
        "b", shards());
    assertEquals(Set.of("iris@2#1"), placement.rebalance(regions, Set.of(), 1));
  }

  @Test
  void aSpreadPlacementIsLeftAloneEvenIfUnevenInCount() {
    Map<String, Collection<String>> regions = regions(
        "a", shards("iris@2#0", "iris@1#0", "wide@1#0", "types@1#0"),
        "b", shards("iris@2#1"),
        "c", shards());
    assertEquals(Set.of(), placement.rebalance(regions, Set.of(), 5));
  }

  @Test
  void threeReplicasOnTwoOfThreeNodesMoveOne() {
    Map<String, Collection<String>> regions = regions(
        "a", shards("iris@2#0", "iris@2#2"),
        "b", shards("iris@2#1"),
        "c", shards());
    assertEquals(Set.of("iris@2#2"), placement.rebalance(regions, Set.of(), 1));
    // Two and one on two nodes is as spread as two nodes allow.
    assertEquals(Set.of(), placement.rebalance(regions(
        "a", shards("iris@2#0", "iris@2#2"),
        "b", shards("iris@2#1")), Set.of(), 1));
  }

  @Test
  void movesAreLimitedAndNeverTwoOfOneVersionAtOnce() {
    Map<String, Collection<String>> regions = regions(
        "a", shards("iris@2#0", "iris@2#1", "iris@2#2", "wide@1#0", "wide@1#1"),
        "b", shards(),
        "c", shards());
    Set<String> two = placement.rebalance(regions, Set.of(), 2);
    assertEquals(2, two.size());
    assertEquals(2, two.stream().map(ReplicaPlacement::versionOf).distinct().count(), two.toString());
    assertEquals(Set.of(), placement.rebalance(regions, Set.of("iris@2#2"), 1));
    Set<String> next = placement.rebalance(regions, Set.of("iris@2#2"), 2);
    assertEquals(Set.of("wide@1#1"), next);
  }

  @Test
  void aMoveRepairsWhatAllocationThenPlacesElsewhere() {
    Map<String, Collection<String>> regions = new LinkedHashMap<>(regions(
        "a", shards("iris@2#0", "iris@2#1"),
        "b", shards("wide@1#0")));
    String moving = placement.rebalance(regions, Set.of(), 1).iterator().next();
    List<String> onA = new ArrayList<>(regions.get("a"));
    onA.remove(moving);
    regions.put("a", onA);
    String home = placement.allocate(moving, regions);
    assertNotEquals("a", home);
    assertTrue(placement.rebalance(Map.of("a", onA, "b", List.of("wide@1#0", moving)), Set.of(), 1).isEmpty());
  }
}
