package io.turnout.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code serialize-messages = on}, Pekko passes every message through its serializer even
 * inside one JVM, so the serving path proves here that all it sends could cross nodes: the edge's
 * asks, the replicas' replies with tensors of every dtype, statuses and the keeper's messages.
 */
class SerializeMessagesTest {

  @Test
  void theServingPathWorksWhenEveryMessageIsSerialized(@TempDir Path dir) {
    Path root = TestModels.rootWith(dir.resolve("models"), "iris", "types");
    try (TestNode node = TestNode.start(root, """
        pekko.actor.serialize-messages = on
        pekko.actor.allow-java-serialization = off
        """)) {
      node.awaitAvailable("iris", 1, 2);
      node.awaitAvailable("types", 1);

      HttpResponse<String> tf = node.post("/v1/models/iris:predict", "{\"instances\": [[5.1,3.5,1.4,0.2]]}");
      assertEquals(200, tf.statusCode(), tf.body());

      HttpResponse<String> v2 = node.post("/v2/models/types/infer", "{\"inputs\":["
          + "{\"name\":\"x_fp32\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1.5,2]},"
          + "{\"name\":\"x_fp64\",\"shape\":[1,2],\"datatype\":\"FP64\",\"data\":[0.25,4]},"
          + "{\"name\":\"x_int32\",\"shape\":[1,2],\"datatype\":\"INT32\",\"data\":[1,-7]},"
          + "{\"name\":\"x_int64\",\"shape\":[1,2],\"datatype\":\"INT64\",\"data\":[3,0]},"
          + "{\"name\":\"x_bool\",\"shape\":[1,2],\"datatype\":\"BOOL\",\"data\":[true,false]},"
          + "{\"name\":\"x_bytes\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}");
      assertEquals(200, v2.statusCode(), v2.body());
      assertTrue(v2.body().contains("\"y_bytes\""), v2.body());

      HttpResponse<String> bad = node.post("/v1/models/iris:predict", "{\"instances\": [[1,2,3]]}");
      assertEquals(400, bad.statusCode(), bad.body());
    }
  }
}
