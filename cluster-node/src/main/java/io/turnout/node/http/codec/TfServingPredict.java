package io.turnout.node.http.codec;

import io.turnout.protocol.InferenceRequest;

/** A parsed TF Serving predict request and the layout it came in, which its reply must use. */
public record TfServingPredict(InferenceRequest request, PredictFormat format) {}
