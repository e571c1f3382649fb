package io.turnout.ops.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code turnoutctl}: register model versions and drive rollouts through a Turnout node's admin
 * API. Data goes to stdout (text, or the API's JSON with {@code --output json}); errors go to
 * stderr as one line, with an exit code a script can rely on ({@link ExitCodes}).
 */
@Command(
    name = "turnoutctl",
    // Inherited, so that every command has --help (and --version).
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Turnoutctl.Version.class,
    description = "Registers model versions and drives rollouts through a Turnout node's admin API.",
    subcommands = {
        Commands.Versions.class,
        Commands.Rollout.class,
        Commands.Pause.class,
        Commands.Resume.class,
        Commands.Promote.class,
        Commands.Abort.class,
        Commands.Weights.class,
        Commands.History.class,
        Commands.ClusterMembers.class,
        CommandLine.HelpCommand.class},
    exitCodeOnInvalidInput = ExitCodes.USAGE,
    exitCodeOnExecutionException = ExitCodes.USAGE,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done (rollout watch: the rollout was promoted)",
        "1:usage: bad arguments or plan file; nothing was sent",
        "2:refused by the server (400, 404, 409, 422); nothing changed",
        "3:rollout watch: the rollout was rolled back or aborted",
        "4:unauthorized (401): no token or the wrong one",
        "5:the admin API is unreachable or failed (5xx)"},
    footer = {"%nEnvironment: TURNOUT_ADMIN_URL, TURNOUT_ADMIN_TOKEN, TURNOUT_USER."})
public final class Turnoutctl {

  enum Output { text, json }

  @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
      defaultValue = "${env:TURNOUT_ADMIN_URL:-http://127.0.0.1:9090}",
      description = "The admin API of any node (default: ${DEFAULT-VALUE}; env TURNOUT_ADMIN_URL).")
  URI url;

  @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN", defaultValue = "${env:TURNOUT_ADMIN_TOKEN}",
      description = "The admin bearer token (env TURNOUT_ADMIN_TOKEN; prefer the environment: arguments show in ps).")
  String token;

  @Option(names = "--user", scope = ScopeType.INHERIT, paramLabel = "NAME", defaultValue = "${env:TURNOUT_USER}",
      description = "Who you are, recorded in the rollout history (env TURNOUT_USER; default: your login name).")
  String user;

  @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "text|json", defaultValue = "text",
      description = "text for people, json for scripts (the API's JSON; watch: one event per line).")
  Output output;

  /** Whether stdout is an interactive terminal (a progress bar is drawn in place); set by {@link #run}. */
  boolean terminal;

  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  AdminClient client() {
    String who = Optional.ofNullable(user).filter(u -> !u.isBlank())
        .orElseGet(() -> System.getProperty("user.name", "admin"));
    return new AdminClient(url, Optional.ofNullable(token), who, REQUEST_TIMEOUT);
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(run(args, out, err, System.console() != null));
  }

  /** Runs one command line; returns its exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err, boolean terminal) {
    Turnoutctl root = new Turnoutctl();
    root.terminal = terminal;
    CommandLine commandLine = new CommandLine(root)
        .setOut(out)
        .setErr(err)
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setOverwrittenOptionsAllowed(true) // the last wins: aliases with defaults stay overridable
        .setParameterExceptionHandler((error, given) -> {
          CommandLine command = error.getCommandLine();
          command.getErr().println("turnoutctl: " + error.getMessage());
          if (!CommandLine.UnmatchedArgumentException.printSuggestions(error, command.getErr())) {
            command.getErr().println("See '" + command.getCommandSpec().qualifiedName() + " --help'.");
          }
          command.getErr().flush();
          return ExitCodes.USAGE;
        })
        .setExecutionExceptionHandler((error, command, parseResult) -> {
          if (error instanceof CliException cli) {
            command.getErr().println("turnoutctl: " + cli.getMessage());
            command.getErr().flush();
            return cli.exitCode();
          }
          command.getErr().println("turnoutctl: internal error: " + error);
          command.getErr().flush();
          return ExitCodes.USAGE;
        });
    int code = commandLine.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Turnoutctl.class.getPackage().getImplementationVersion();
      return new String[] {"turnoutctl " + (version == null ? "(development build)" : version)};
    }
  }
}
