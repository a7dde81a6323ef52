package io.bowline.samples.bookinfo;

/** Who asks productpage for the page: Istio's task signs in as {@code jason}, or stays anonymous. */
public enum Caller {
  /** Signed in as {@code jason}: productpage forwards {@code end-user: jason}. */
  JASON("jason"),
  /** Not signed in: no {@code end-user} header downstream. */
  ANONYMOUS(null);

  private final String user;

  Caller(String user) {
    this.user = user;
  }

  /** The user name, or {@code null} when anonymous. */
  public String user() {
    return user;
  }

  /** The name shown in the results table. */
  public String label() {
    return user == null ? "anonymous" : user;
  }
}
