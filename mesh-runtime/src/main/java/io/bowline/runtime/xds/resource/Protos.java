package io.bowline.runtime.xds.resource;

import io.bowline.api.config.FractionalPercent;
import java.time.Duration;

/** Small conversions shared by the policy parsers: durations and fractional percents. */
final class Protos {
  private Protos() {}

  static Duration duration(com.google.protobuf.Duration d, String at) throws ResourceException {
    if (d.getSeconds() < 0 || d.getNanos() < 0) {
      throw new ResourceException(at, "must not be negative, was " + d.getSeconds() + "s" + d.getNanos() + "ns");
    }
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  static FractionalPercent percent(io.envoyproxy.envoy.type.v3.FractionalPercent p, String at)
      throws ResourceException {
    int denominator;
    switch (p.getDenominator()) {
      case HUNDRED:
        denominator = 100;
        break;
      case TEN_THOUSAND:
        denominator = 10_000;
        break;
      case MILLION:
        denominator = 1_000_000;
        break;
      default:
        throw new ResourceException(at + ".denominator", "unknown: " + p.getDenominatorValue());
    }
    return new FractionalPercent(Integer.toUnsignedLong(p.getNumerator()), denominator);
  }
}
