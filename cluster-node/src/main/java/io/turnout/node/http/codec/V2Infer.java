package io.turnout.node.http.codec;

import io.turnout.protocol.InferenceRequest;

/**
 * A parsed KServe V2 inference request.
 *
 * @param id the client's request id, to be echoed in the reply; null when the request has none
 */
public record V2Infer(String id, InferenceRequest request) {}
