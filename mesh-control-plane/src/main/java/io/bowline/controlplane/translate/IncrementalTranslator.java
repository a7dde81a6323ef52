package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.ServiceEntry;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import io.bowline.controlplane.istio.WorkloadEntry;
import io.bowline.controlplane.translate.XdsTranslator.Analysis;
import io.bowline.controlplane.translate.XdsTranslator.ServiceXds;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Translates a sequence of configurations like {@link XdsTranslator} does, re-translating after each change
 * only the services it can affect ({@link ConfigChange}: an endpoint change re-translates the load
 * assignments, clusters, listener and routes of the services that select it, a VirtualService change the
 * route configurations of its hosts) and reusing the resource instances of every other service, so that
 * the xDS server's comparison with what it served finds them unchanged at once and pushes only the changed
 * ones. The whole configuration is still indexed and validated on every change (diagnostics are
 * always complete), once per configuration whatever the number of client views.
 *
 * <p>The result for a configuration and view is always equal to {@code new XdsTranslator(domain)
 * .translate(config, view)}. Each client view keeps the per-service resources of the last configuration
 * translated for it. Thread-safe (translations are serialized).
 */
public final class IncrementalTranslator {

  private final XdsTranslator translator;
  private final Map<ClientView, ViewState> views = new HashMap<>();
  private Analysis analysis;
  private ChangeMemo lastChange;

  /** What one view got last: the analysed configuration and the resources of each service, by host. */
  private record ViewState(Analysis analysis, Map<String, ServiceXds> services) {}

  /** The change between two analysed configurations, kept because every view asks for the same one. */
  private record ChangeMemo(Analysis before, Analysis after, ConfigChange change) {}

  /** @param translator the translator whose output this reproduces */
  public IncrementalTranslator(XdsTranslator translator) {
    this.translator = translator;
  }

  /**
   * Translates {@code config} as seen by {@code view}.
   *
   * @return what {@link XdsTranslator#translate(IstioConfig, ClientView)} returns for them
   */
  public synchronized XdsResources translate(IstioConfig config, ClientView view) {
    if (analysis == null || analysis.config() != config) {
      analysis = translator.analyze(config, earlierSelection(analysis, config));
    }
    Analysis current = analysis;
    ViewState previous = views.get(view);
    ConfigChange change = previous == null ? ConfigChange.EVERYTHING : change(previous.analysis(), current);
    Map<String, ServiceXds> services = new HashMap<>();
    XdsResources resources = translator.translate(current, view, new XdsTranslator.ServiceReuse() {
      @Override
      public ServiceXds reusable(String host) {
        return change.affects(host) ? null : previous.services().get(host);
      }

      @Override
      public void translated(String host, ServiceXds translated) {
        services.put(host, translated);
      }
    });
    views.put(view, new ViewState(current, services));
    return resources;
  }

  /**
   * The endpoints the previous analysis selected for a ServiceEntry, when neither the entry nor any
   * WorkloadEntry it selects (before or after) changed and the WorkloadEntries kept their order.
   */
  private static Function<ServiceEntry, List<WorkloadEndpoint>> earlierSelection(Analysis previous,
      IstioConfig config) {
    if (previous == null) {
      return entry -> null;
    }
    ConfigChange.Diff<WorkloadEntry> workloads =
        ConfigChange.Diff.of(previous.config().workloadEntries(), config.workloadEntries());
    if (workloads.reordered() || workloads.changed().size() > ConfigChange.MAX_CHANGED_WORKLOADS) {
      return entry -> null;
    }
    return entry -> workloads.changed().stream().anyMatch(workload -> ConfigChange.selects(entry, workload))
        ? null
        : previous.registry().selection(entry);
  }

  private ConfigChange change(Analysis before, Analysis after) {
    ChangeMemo memo = lastChange;
    if (memo == null || memo.before() != before || memo.after() != after) {
      memo = new ChangeMemo(before, after, ConfigChange.between(before, after));
      lastChange = memo;
    }
    return memo.change();
  }
}
