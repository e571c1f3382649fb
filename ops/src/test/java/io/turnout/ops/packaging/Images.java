package io.turnout.ops.packaging;

import java.util.regex.Pattern;

/** Container image references: pinned means a digest, or a version tag with at least major.minor. */
final class Images {
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern VERSION_TAG = Pattern.compile("v?\\d+\\.\\d+[\\w.-]*");

  private Images() {}

  /** Why {@code image} is not pinned, or null when it is. */
  static String unpinned(String image) {
    if (image == null || image.isBlank()) return "no image";
    if (image.contains("$")) return image + " is interpolated: the file alone does not say what runs";
    int at = image.indexOf('@');
    if (at >= 0) {
      return DIGEST.matcher(image.substring(at + 1)).matches() ? null : image + " has a malformed digest";
    }
    String tag = tag(image);
    if (tag == null) return image + " has neither tag nor digest (it means :latest)";
    if (!VERSION_TAG.matcher(tag).matches()) {
      return image + " is tagged '" + tag + "', which moves: use a version (major.minor at least) or a digest";
    }
    return null;
  }

  /** The tag of a reference without digest: after the last ':' that follows the last '/'. */
  static String tag(String image) {
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    return colon > slash ? image.substring(colon + 1) : null;
  }

  static String repository(String image) {
    int at = image.indexOf('@');
    String withoutDigest = at >= 0 ? image.substring(0, at) : image;
    String tag = tag(withoutDigest);
    return tag == null ? withoutDigest : withoutDigest.substring(0, withoutDigest.length() - tag.length() - 1);
  }
}
