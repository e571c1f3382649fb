package io.turnout.persistence.registry;

import io.turnout.protocol.ModelVersionId;
import java.util.NoSuchElementException;

/** The registry holds no such version. */
public final class UnknownVersionException extends NoSuchElementException {
  private final transient ModelVersionId id;

  public UnknownVersionException(ModelVersionId id) {
    super(id + " is not registered");
    this.id = id;
  }

  public ModelVersionId id() {
    return id;
  }
}
