package io.turnout.protocol;

/**
 * Marker for every message that may cross nodes. Config binds it to {@link KryoSerializer};
 * Java serialization is switched off, so an unmarked message fails loudly instead of silently.
 */
public interface ClusterMessage {}
