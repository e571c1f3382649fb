package io.turnout.node.http;

import static org.junit.jupiter.api.Assertions.fail;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.Response;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.SimpleValidationReportFormat;
import com.atlassian.oai.validator.report.ValidationReport;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The KServe Open Inference Protocol REST spec as a test oracle: V2 requests and replies are checked
 * against the official OpenAPI document, read in place from {@code ../shared/specs/open_inference_rest.yaml}
 * next to the repository (surefire sets {@code turnout.project.dir} to the repository root).
 *
 * <p>The document has three quirks that fail valid messages. No validator option or whitelist entry
 * fixes them without switching the affected checks off altogether (a whitelisted "no path matches"
 * would leave every body unchecked), so the parsed model is read as the prose spec
 * ({@code inference_rest.md}) means it, in memory only; the file is not changed:
 * <ol>
 *   <li>Path parameters are written shell-style, {@code /v2/models/${MODEL_NAME}}. OpenAPI reads the
 *       {@code $} as a literal character, so {@code /v2/models/iris} would match no path; the
 *       {@code $} is dropped.
 *   <li>The prose makes {@code /versions/<version>} optional on the model endpoints, the document
 *       only lists the versioned paths; each gets a version-less twin with the same operations.
 *   <li>The prose says a failed model metadata request returns {@code $metadata_model_error_response}
 *       with an HTTP error status (typically 400); the document defines that schema but declares only
 *       200 for the endpoint; a 400 with that schema is added.
 * </ol>
 */
public final class OpenInferenceSpec {
  private static final String VERSION_SEGMENT = "/versions/{MODEL_VERSION}";
  private static OpenInferenceSpec instance;

  private final OpenApiInteractionValidator validator;

  private OpenInferenceSpec(OpenApiInteractionValidator validator) {
    this.validator = validator;
  }

  /** The spec, parsed once per test JVM. */
  public static synchronized OpenInferenceSpec get() {
    if (instance == null) instance = new OpenInferenceSpec(OpenApiInteractionValidator.createFor(load()).build());
    return instance;
  }

  /** Fails unless both the request and the response conform to the spec. */
  public void assertValid(String method, String path, String requestJson, int status, String responseJson) {
    assertNoErrors(validator.validate(request(method, path, requestJson), response(status, responseJson)),
        method + " " + path + " -> " + status);
  }

  /** Fails unless the request conforms to the spec. */
  public void assertValidRequest(String method, String path, String requestJson) {
    assertNoErrors(validator.validateRequest(request(method, path, requestJson)), method + " " + path);
  }

  /** Fails unless the response conforms to the spec. */
  public void assertValidResponse(String method, String path, int status, String responseJson) {
    assertNoErrors(validator.validateResponse(path, method(method), response(status, responseJson)),
        method + " " + path + " -> " + status);
  }

  /** The validator's complaints about a request, for tests that expect some. */
  public List<String> requestErrors(String method, String path, String requestJson) {
    return errors(validator.validateRequest(request(method, path, requestJson)));
  }

  /** The validator's complaints about a response, for tests that expect some. */
  public List<String> responseErrors(String method, String path, int status, String responseJson) {
    return errors(validator.validateResponse(path, method(method), response(status, responseJson)));
  }

  private static List<String> errors(ValidationReport report) {
    return report.getMessages().stream()
        .filter(message -> message.getLevel() == ValidationReport.Level.ERROR)
        .map(ValidationReport.Message::getMessage)
        .toList();
  }

  private static void assertNoErrors(ValidationReport report, String what) {
    if (report.hasErrors()) {
      fail(what + " does not conform to the Open Inference Protocol spec:\n"
          + SimpleValidationReportFormat.getInstance().apply(report));
    }
  }

  private static Request request(String method, String path, String json) {
    SimpleRequest.Builder builder = new SimpleRequest.Builder(method(method), path);
    if (json != null) builder.withContentType("application/json").withBody(json);
    return builder.build();
  }

  private static Response response(int status, String json) {
    SimpleResponse.Builder builder = SimpleResponse.Builder.status(status);
    if (json != null) builder.withContentType("application/json").withBody(json);
    return builder.build();
  }

  private static Request.Method method(String method) {
    return Request.Method.valueOf(method.toUpperCase(Locale.ROOT));
  }

  private static OpenAPI load() {
    String projectDir = System.getProperty("turnout.project.dir");
    if (projectDir == null) {
      throw new IllegalStateException("system property turnout.project.dir is not set; surefire sets it to the repository root");
    }
    Path file = Path.of(projectDir, "..", "shared", "specs", "open_inference_rest.yaml").toAbsolutePath().normalize();
    if (!Files.isRegularFile(file)) throw new IllegalStateException("Open Inference Protocol spec not found at " + file);
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult parsed = new OpenAPIParser().readLocation(file.toUri().toString(), null, options);
    OpenAPI api = parsed.getOpenAPI();
    if (api == null) throw new IllegalStateException("cannot parse " + file + ": " + parsed.getMessages());
    readPathsAsMeant(api);
    declareModelMetadataError(api);
    return api;
  }

  /** Quirks 1 and 2: {@code ${NAME}} becomes {@code {NAME}}, and versioned paths get version-less twins. */
  private static void readPathsAsMeant(OpenAPI api) {
    Paths paths = new Paths();
    api.getPaths().forEach((template, item) -> {
      String path = template.replace("${", "{");
      paths.addPathItem(path, item);
      if (path.contains(VERSION_SEGMENT)) paths.addPathItem(path.replace(VERSION_SEGMENT, ""), withoutVersion(item));
    });
    api.setPaths(paths);
  }

  private static PathItem withoutVersion(PathItem item) {
    PathItem twin = new PathItem().summary(item.getSummary()).description(item.getDescription());
    item.readOperationsMap().forEach(twin::operation);
    if (item.getParameters() != null) {
      twin.setParameters(item.getParameters().stream().filter(p -> !p.getName().equals("MODEL_VERSION")).toList());
    }
    return twin;
  }

  /** Quirk 3: the model metadata endpoint's error reply, as the prose describes it. */
  private static void declareModelMetadataError(OpenAPI api) {
    Operation metadata = api.getPaths().get("/v2/models/{MODEL_NAME}" + VERSION_SEGMENT).getGet();
    Schema<?> error = new Schema<>().$ref("#/components/schemas/metadata_model_error_response");
    metadata.getResponses().addApiResponse("400", new ApiResponse()
        .description("Bad Request")
        .content(new Content().addMediaType("application/json", new MediaType().schema(error))));
  }
}
