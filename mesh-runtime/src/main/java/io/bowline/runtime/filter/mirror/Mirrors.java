package io.bowline.runtime.filter.mirror;

import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.MirrorPolicy;
import java.util.concurrent.ThreadLocalRandom;

/** Envoy {@code RequestMirrorPolicy} decisions: whether a policy fires, and the shadow's authority. */
public final class Mirrors {
  private Mirrors() {}

  /** Whether this policy mirrors the current request (an independent draw per policy). */
  public static boolean fires(MirrorPolicy p) {
    FractionalPercent f = p.fraction();
    if (f.numerator() >= f.denominator()) {
      return true;
    }
    return f.numerator() > 0 && ThreadLocalRandom.current().nextLong(f.denominator()) < f.numerator();
  }

  /**
   * The shadow request's {@code Host}/{@code :authority}: {@code -shadow} appended to the host part
   * ({@code reviews:9080} → {@code reviews-shadow:9080}) unless
   * {@code disable_shadow_host_suffix_append} is set.
   */
  public static String shadowAuthority(MirrorPolicy p, String authority) {
    if (p.disableShadowHostSuffixAppend()) {
      return authority;
    }
    int end = authority.startsWith("[") ? authority.indexOf(']') + 1 : authority.indexOf(':');
    if (end <= 0) {
      end = authority.length();
    }
    return authority.substring(0, end) + "-shadow" + authority.substring(end);
  }
}
