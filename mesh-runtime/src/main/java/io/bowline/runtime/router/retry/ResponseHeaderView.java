package io.bowline.runtime.router.retry;

import io.bowline.api.MeshRequest;
import io.bowline.runtime.upstream.Outcome;
import java.util.List;

/** Response headers seen through the {@link MeshRequest} shape, so header matchers apply to them. */
final class ResponseHeaderView implements MeshRequest {
  private final Outcome outcome;

  private ResponseHeaderView(Outcome outcome) {
    this.outcome = outcome;
  }

  static MeshRequest of(Outcome o) {
    return new ResponseHeaderView(o);
  }

  @Override
  public String authority() {
    return null;
  }

  @Override
  public String method() {
    return null;
  }

  @Override
  public String path() {
    return null;
  }

  @Override
  public String scheme() {
    return null;
  }

  @Override
  public List<String> headers(String name) {
    if (name.equals(":status")) {
      return List.of(Integer.toString(outcome.httpStatus()));
    }
    String v = outcome.headers().get(name);
    return v == null ? List.of() : List.of(v);
  }
}
