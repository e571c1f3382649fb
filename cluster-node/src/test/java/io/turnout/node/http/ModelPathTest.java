package io.turnout.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ModelPathTest {

  @Test
  void readsTfServingPaths() {
    assertEquals(Optional.of(new ModelPath("iris", OptionalLong.empty(), "")), ModelPath.parse("/iris"));
    assertEquals(Optional.of(new ModelPath("iris", OptionalLong.of(2), "")), ModelPath.parse("/iris/versions/2"));
    assertEquals(Optional.of(new ModelPath("iris", OptionalLong.empty(), ":predict")), ModelPath.parse("/iris:predict"));
    assertEquals(Optional.of(new ModelPath("iris", OptionalLong.of(2), ":predict")), ModelPath.parse("/iris/versions/2:predict"));
    assertEquals(Optional.of(new ModelPath("iris", OptionalLong.of(2), "metadata")), ModelPath.parse("/iris/versions/2/metadata"));
    assertEquals(Optional.of(new ModelPath("iris", OptionalLong.empty(), "metadata")), ModelPath.parse("/iris/metadata"));
  }

  @Test
  void readsV2Paths() {
    assertEquals(Optional.of(new ModelPath("iris", OptionalLong.of(1), "infer")), ModelPath.parse("/iris/versions/1/infer"));
    assertEquals(Optional.of(new ModelPath("iris", OptionalLong.empty(), "ready")), ModelPath.parse("/iris/ready"));
  }

  @Test
  void refusesWhatIsNotAModelPath() {
    assertTrue(ModelPath.parse("").isEmpty());
    assertTrue(ModelPath.parse("/iris/versions/two").isEmpty());
    assertTrue(ModelPath.parse("/iris/versions/1/a/b").isEmpty());
    assertTrue(ModelPath.parse("/iris/x/y").isEmpty());
  }
}
