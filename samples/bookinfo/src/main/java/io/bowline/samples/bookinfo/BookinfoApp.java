package io.bowline.samples.bookinfo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * All six Bookinfo workloads in this process: {@code productpage-v1}, {@code details-v1},
 * {@code reviews-v1}, {@code reviews-v2}, {@code reviews-v3} and {@code ratings-v1}, each with its
 * own mesh client subscribed to the same xDS server. productpage's client also serves the admin endpoint and
 * mesh page ({@link #meshPage()}) while the app runs.
 */
final class BookinfoApp implements AutoCloseable {

  private final List<BookinfoWorkload> workloads;

  private BookinfoApp(List<BookinfoWorkload> workloads) {
    this.workloads = List.copyOf(workloads);
  }

  /**
   * Starts the six workloads.
   *
   * @param xdsServer the ADS server, {@code host:port}
   * @throws IOException if a server cannot bind (those already started are closed)
   */
  static BookinfoApp start(String xdsServer) throws IOException {
    List<BookinfoWorkload> started = new ArrayList<>();
    try {
      started.add(BookinfoWorkload.start("productpage", "v1", xdsServer, true, ProductPage::new));
      started.add(BookinfoWorkload.start("details", "v1", xdsServer, outbound -> new Details()));
      for (String version : List.of("v1", "v2", "v3")) {
        started.add(BookinfoWorkload.start("reviews", version, xdsServer, outbound -> new Reviews(version, outbound)));
      }
      started.add(BookinfoWorkload.start("ratings", "v1", xdsServer, outbound -> new Ratings()));
      return new BookinfoApp(started);
    } catch (IOException | RuntimeException e) {
      started.forEach(BookinfoWorkload::close);
      throw e;
    }
  }

  /** The workloads, productpage first. */
  List<BookinfoWorkload> workloads() {
    return workloads;
  }

  /** The workloads as the control plane should know them: service, version and bound port. */
  List<ServiceRegistry.Instance> instances() {
    return workloads.stream().map(w -> new ServiceRegistry.Instance(w.app(), w.version(), w.port())).toList();
  }

  /** productpage's mesh page, {@code http://127.0.0.1:port/}: its listeners, routes, clusters and endpoints, live. */
  String meshPage() {
    return workloads.get(0).adminPage().orElseThrow();
  }

  /** The port productpage serves {@code /productpage} on, on 127.0.0.1. */
  int productPagePort() {
    return workloads.get(0).port();
  }

  @Override
  public void close() {
    workloads.forEach(BookinfoWorkload::close);
  }
}
