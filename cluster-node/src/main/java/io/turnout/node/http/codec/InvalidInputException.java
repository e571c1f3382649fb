package io.turnout.node.http.codec;

/**
 * A request the codecs cannot turn into an inference request. The message is shown to the client as
 * {@code {"error": "<message>"}}, so it says what is wrong and where, e.g.
 * {@code instances[3] has 3 elements, expected 4}.
 */
public final class InvalidInputException extends RuntimeException {

  public InvalidInputException(String message) {
    // No stack trace: these are the client's mistakes, raised on the request path, and the message
    // already says everything; filling in the stack would only cost time per bad request.
    super(message, null, false, false);
  }
}
