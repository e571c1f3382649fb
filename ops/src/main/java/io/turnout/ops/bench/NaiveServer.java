package io.turnout.ops.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The naive baseline: a Pekko HTTP server with no actors of its own and no batching. Each {@code
 * POST /v1/models/<name>:predict} is parsed with Jackson on Pekko's dispatcher and runs the
 * SavedModel once, on a two-thread pool; the reply is {@code {"predictions": [[...]]}}. {@code GET
 * /health} answers 200 once it is bound.
 */
public final class NaiveServer extends AllDirectives {

  static final int TF_THREADS = 2;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String modelName;
  private final SavedModelPredictor predictor;
  private final ExecutorService tfPool;

  NaiveServer(String modelName, SavedModelPredictor predictor, ExecutorService tfPool) {
    this.modelName = modelName;
    this.predictor = predictor;
    this.tfPool = tfPool;
  }

  Route route() {
    return concat(
        path("health", () -> get(() -> complete("ok"))),
        path(
            PathMatchers.segment("v1").slash("models").slash(PathMatchers.segment()),
            segment ->
                segment.equals(modelName + ":predict")
                    ? post(() -> entity(Unmarshaller.entityToByteArray(), this::predict))
                    : complete(StatusCodes.NOT_FOUND, "no model " + segment)));
  }

  private Route predict(byte[] body) {
    float[][] rows;
    try {
      rows = instances(JSON.readTree(body));
    } catch (IOException | IllegalArgumentException e) {
      return complete(json(StatusCodes.BAD_REQUEST, error(e.getMessage())));
    }
    return completeWithFuture(
        CompletableFuture.supplyAsync(() -> predictions(predictor.predict(rows)), tfPool)
            .thenApply(reply -> json(StatusCodes.OK, reply))
            .exceptionally(e -> json(StatusCodes.INTERNAL_SERVER_ERROR, error(e.toString()))));
  }

  /** {@code {"instances": [[f, f, f, f], ...]}} as rows of floats. */
  static float[][] instances(JsonNode request) {
    JsonNode instances = request.path("instances");
    if (!instances.isArray() || instances.isEmpty()) {
      throw new IllegalArgumentException("'instances' must be a non-empty array of rows");
    }
    float[][] rows = new float[instances.size()][];
    for (int r = 0; r < rows.length; r++) {
      JsonNode row = instances.get(r);
      if (!row.isArray()) {
        throw new IllegalArgumentException("instance " + r + " is not an array");
      }
      rows[r] = new float[row.size()];
      for (int c = 0; c < rows[r].length; c++) {
        JsonNode value = row.get(c);
        if (!value.isNumber()) {
          throw new IllegalArgumentException("instance " + r + " holds a non-number");
        }
        rows[r][c] = value.floatValue();
      }
    }
    return rows;
  }

  static byte[] predictions(float[][] probabilities) {
    ObjectNode reply = JSON.createObjectNode();
    ArrayNode rows = reply.putArray("predictions");
    for (float[] row : probabilities) {
      ArrayNode out = rows.addArray();
      for (float p : row) {
        out.add(p);
      }
    }
    try {
      return JSON.writeValueAsBytes(reply);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] error(String message) {
    try {
      return JSON.writeValueAsBytes(JSON.createObjectNode().put("error", message));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse json(StatusCode status, byte[] body) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, body);
  }

  static ExecutorService tfPool() {
    AtomicInteger count = new AtomicInteger();
    return Executors.newFixedThreadPool(
        TF_THREADS,
        task -> {
          Thread thread = new Thread(task, "naive-tf-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Cli()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Command(
      name = "naive-server",
      description = "Pekko HTTP, one SavedModel call per request on a 2-thread pool, no batching.")
  static final class Cli implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "SavedModel version folder.")
    Path model;

    @Option(names = "--name", required = true, description = "Model name in the URL.")
    String name;

    @Option(names = "--port", required = true, description = "Port on 127.0.0.1.")
    int port;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public Integer call() throws Exception {
      SavedModelPredictor predictor = SavedModelPredictor.load(model);
      ExecutorService pool = tfPool();
      ActorSystem system =
          ActorSystem.create(
              "naive",
              ConfigFactory.parseString(
                      "pekko.loglevel = WARNING\npekko.stdout-loglevel = WARNING")
                  .withFallback(ConfigFactory.load()));
      ServerBinding binding =
          Http.get(system)
              .newServerAt("127.0.0.1", port)
              .bind(new NaiveServer(name, predictor, pool).route())
              .toCompletableFuture()
              .get();
      System.out.println("naive-server: " + name + " on " + binding.localAddress());
      // SIGTERM / Ctrl-C run Pekko's coordinated shutdown, which unbinds and terminates.
      system.getWhenTerminated().toCompletableFuture().join();
      return 0;
    }
  }
}
