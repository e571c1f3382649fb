package io.turnout.persistence.registry;

import java.util.Optional;

/**
 * What the registry may know about a version besides its artifact and replicas. Registering with a
 * detail absent leaves the stored one as it is.
 *
 * @param signatureJson the version's signature as JSON, as the admin API reports it
 * @param description   free text for operators
 */
public record VersionDetails(Optional<String> signatureJson, Optional<String> description) {
  public static final VersionDetails NONE = new VersionDetails(Optional.empty(), Optional.empty());

  public VersionDetails {
    signatureJson = signatureJson.filter(s -> !s.isBlank());
    description = description.filter(s -> !s.isBlank());
  }

  /** From nullable values: {@code null} or blank means absent. */
  public static VersionDetails of(String signatureJson, String description) {
    return new VersionDetails(Optional.ofNullable(signatureJson), Optional.ofNullable(description));
  }

  /** These details, with absent ones taken from {@code older}. */
  public VersionDetails over(VersionDetails older) {
    return new VersionDetails(signatureJson.or(older::signatureJson), description.or(older::description));
  }
}
