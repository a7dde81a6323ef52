package io.bowline.controlplane.istio;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.DiagnosticCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads Istio YAML from a directory or file into an {@link IstioConfig}.
 *
 * <p>A directory contributes the regular files directly inside it whose names end in {@code .yaml} or
 * {@code .yml} (not starting with {@code .}, which skips editor lock files), read in sorted name order;
 * each file may hold several {@code ---}-separated documents. Kinds {@code ServiceEntry},
 * {@code WorkloadEntry}, {@code DestinationRule}, {@code VirtualService} and {@code Sidecar} of
 * {@code Gateway} of {@code networking.istio.io/v1}, {@code v1beta1} or {@code v1alpha3} are parsed (a
 * VirtualService bound to gateways is kept for them, and for the mesh too when it names {@code mesh}),
 * Kubernetes {@code Secret} (v1) holding TLS credentials for Gateway servers, {@code PeerAuthentication} and
 * {@code AuthorizationPolicy} of {@code security.istio.io/v1} or {@code v1beta1}, and Kubernetes {@code Service}
 * (v1; becomes a ServiceEntry, listed before the real ServiceEntries) and {@code Deployment} (apps/v1; pod
 * labels); the {@code spec.exportTo} of ServiceEntries and VirtualServices is kept per resource; any other kind is reported as information and ignored. {@code metadata.namespace} defaults to {@code default}. When the same
 * (kind, namespace, name) appears twice, the later one wins, like {@code kubectl apply}, with a warning.
 *
 * <p>Never throws on bad input: problems are returned as diagnostics.
 */
public final class IstioConfigLoader {

  /** The API group of the translated kinds. */
  static final String NETWORKING_GROUP = "networking.istio.io";

  private static final Set<String> VERSIONS = Set.of("v1", "v1beta1", "v1alpha3");
  /** The API group and versions of the security kinds. */
  static final String SECURITY_GROUP = "security.istio.io";
  private static final Set<String> SECURITY_VERSIONS = Set.of("v1", "v1beta1");
  private static final Set<String> SECURITY_KINDS = Set.of("PeerAuthentication", "AuthorizationPolicy");
  /** The API group and versions of {@code Telemetry}. */
  static final String TELEMETRY_GROUP = "telemetry.istio.io";
  private static final Set<String> TELEMETRY_VERSIONS = Set.of("v1", "v1alpha1");
  private static final Set<String> KINDS =
      Set.of("ServiceEntry", "WorkloadEntry", "DestinationRule", "VirtualService", "Sidecar", "Gateway");
  /** The kinds whose {@code spec.exportTo} scopes their visibility per client namespace. */
  private static final Set<String> EXPORTED_KINDS = Set.of("ServiceEntry", "VirtualService");
  private static final String DEFAULT_NAMESPACE = "default";
  /** The longest {@code metadata.name} Kubernetes accepts (a DNS subdomain). */
  private static final int MAX_NAME = 253;
  /** The longest {@code metadata.namespace} Kubernetes accepts (a DNS label). */
  private static final int MAX_NAMESPACE = 63;

  private final SourceLines sourceLines;
  private final DiagnosticCollector diagnostics;
  /** Resources by "kind/namespace/name"; a value is null when the resource was skipped or invalid. */
  private final Map<String, Object> resources = new LinkedHashMap<>();
  private final Map<String, ResourceRef> refs = new LinkedHashMap<>();
  /** The {@code exportTo} by "kind/namespace/name", for the resources that set it. */
  private final Map<String, ExportTo> exports = new LinkedHashMap<>();
  /** The resource the last parsed document names. */
  private ResourceRef lastRef;

  private IstioConfigLoader() {
    this(new SourceLines());
  }

  private IstioConfigLoader(SourceLines sourceLines) {
    this.sourceLines = sourceLines;
    this.diagnostics = new DiagnosticCollector(sourceLines);
  }

  /**
   * What one file parses into, independent of every other file: its documents in order (each with the
   * resource it defines and what parsing it found) and the file-level diagnostics (unreadable, invalid YAML).
   * Immutable, so a {@link IstioConfigCache} can reuse it while the file is unchanged.
   *
   * @param fileName the file name as diagnostics name it
   * @param documents the documents, in order
   * @param fileDiagnostics diagnostics about the whole file
   * @param lines where the fields of the file's resources are written
   */
  record ParsedFile(String fileName, List<ParsedDocument> documents, List<Diagnostic> fileDiagnostics,
      SourceLines lines) {
    ParsedFile {
      documents = List.copyOf(documents);
      fileDiagnostics = List.copyOf(fileDiagnostics);
    }
  }

  /**
   * One parsed document.
   *
   * @param ref the resource it names (null when it names none, for example a missing kind)
   * @param lines the line of each field path in the file
   * @param registered whether the resource takes part in duplicate resolution (a translated or Kubernetes kind)
   * @param resource the parsed resource, null when invalid or skipped
   * @param diagnostics what parsing it found
   * @param exportTo its {@code spec.exportTo}, null when unset
   */
  record ParsedDocument(ResourceRef ref, Map<String, Long> lines, boolean registered, Object resource,
      List<Diagnostic> diagnostics, ExportTo exportTo) {
    ParsedDocument {
      lines = lines == null ? Map.of() : Map.copyOf(lines);
      diagnostics = List.copyOf(diagnostics);
    }
  }

  /**
   * Loads a directory (its {@code *.yaml}/{@code *.yml} files in sorted order) or a single file.
   *
   * @param dirOrFile the configuration directory, or one YAML file
   * @return the configuration; a missing path yields an empty one with an error diagnostic
   */
  public static IstioConfig load(Path dirOrFile) {
    if (Files.isDirectory(dirOrFile)) {
      try {
        return loadFiles(configFiles(dirOrFile));
      } catch (IOException e) {
        return failed(dirOrFile, "cannot list configuration directory: " + e);
      }
    }
    if (Files.isRegularFile(dirOrFile)) {
      return loadFiles(List.of(dirOrFile));
    }
    return failed(dirOrFile, "no such file or directory");
  }

  /**
   * Loads the given files, in the order of their file names. Diagnostics name each file by its file name.
   *
   * @param files YAML files
   * @return the configuration
   */
  public static IstioConfig loadFiles(List<Path> files) {
    List<Path> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(path -> path.getFileName().toString()));
    return assemble(sorted.stream().map(IstioConfigLoader::parseFile).toList());
  }

  /** Parses one file on its own (no duplicate resolution across files: that is {@link #assemble}'s job). */
  static ParsedFile parseFile(Path file) {
    String name = file.getFileName().toString();
    DiagnosticCollector fileDiagnostics = new DiagnosticCollector();
    List<ParsedDocument> documents = new ArrayList<>();
    YamlDocuments.read(file, name, fileDiagnostics)
        .ifPresent(read -> read.forEach(document -> documents.add(parseDocument(name, document))));
    SourceLines lines = new SourceLines();
    documents.stream().filter(document -> document.ref() != null)
        .forEach(document -> lines.put(document.ref(), document.lines()));
    return new ParsedFile(name, documents, fileDiagnostics.list(), lines);
  }

  /**
   * Combines parsed files, in the given order, into one configuration: resolves duplicates (the later
   * definition wins) exactly as loading them together does.
   */
  static IstioConfig assemble(List<ParsedFile> files) {
    Map<String, SourceLines> linesByFile = new LinkedHashMap<>();
    files.forEach(file -> linesByFile.put(file.fileName(), file.lines()));
    IstioConfigLoader loader = new IstioConfigLoader(SourceLines.byFile(linesByFile));
    List<String> names = new ArrayList<>();
    for (ParsedFile file : files) {
      names.add(file.fileName());
      loader.diagnostics.addAll(file.fileDiagnostics());
      for (ParsedDocument document : file.documents()) {
        loader.diagnostics.addAll(document.diagnostics());
        if (document.registered()) {
          loader.register(document.ref(), document.resource());
          if (document.exportTo() != null) {
            loader.exports.put(key(document.ref()), document.exportTo());
          }
        }
      }
    }
    return loader.build(names);
  }

  private static ParsedDocument parseDocument(String file, YamlDocuments.Document source) {
    IstioConfigLoader parser = new IstioConfigLoader();
    parser.addDocument(file, source);
    if (parser.refs.isEmpty()) {
      ResourceRef ref = parser.lastRef;
      return new ParsedDocument(ref, source.lines(), false, null, parser.diagnostics.list(), null);
    }
    Map.Entry<String, ResourceRef> only = parser.refs.entrySet().iterator().next();
    return new ParsedDocument(only.getValue(), source.lines(), true, parser.resources.get(only.getKey()),
        parser.diagnostics.list(), parser.exports.get(only.getKey()));
  }

  /** The files of {@code dir} that {@link #load} reads, sorted by name. */
  public static List<Path> configFiles(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(Files::isRegularFile)
          .filter(path -> isConfigFileName(path.getFileName().toString()))
          .sorted(Comparator.comparing(path -> path.getFileName().toString()))
          .toList();
    }
  }

  /** Whether a file of this name is configuration ({@code *.yaml} or {@code *.yml}, not hidden). */
  public static boolean isConfigFileName(String fileName) {
    return !fileName.startsWith(".") && (fileName.endsWith(".yaml") || fileName.endsWith(".yml"));
  }

  private static IstioConfig failed(Path path, String message) {
    IstioConfigLoader loader = new IstioConfigLoader();
    loader.diagnostics.fileError(path.toString(), message);
    return loader.build(List.of());
  }

  private void addDocument(String file, YamlDocuments.Document source) {
    Map<?, ?> document = source.content();
    // The resource's identity is read leniently first, so that every diagnostic below names it (shortened
    // when longer than Kubernetes allows: a name of 100 KB must not be repeated in every diagnostic).
    String kind = ValueChecks.shorten(scalar(document.get("kind")));
    Map<?, ?> meta = document.get("metadata") instanceof Map<?, ?> m ? m : Map.of();
    String rawName = scalar(meta.get("name"));
    String rawNamespace = scalar(meta.get("namespace"));
    String name = rawName.length() > MAX_NAME ? ValueChecks.shorten(rawName) : rawName;
    String namespace = rawNamespace.length() > MAX_NAMESPACE ? ValueChecks.shorten(rawNamespace) : rawNamespace;
    ResourceRef ref = new ResourceRef(kind.isEmpty() ? "(no kind)" : kind,
        namespace.isBlank() ? DEFAULT_NAMESPACE : namespace, name.isEmpty() ? "(no name)" : name, file);
    sourceLines.put(ref, source.lines());
    lastRef = ref;
    SpecReader top = new SpecReader(document, "", ref, diagnostics);
    top.string("kind");
    String apiVersion = top.string("apiVersion").orElse("");
    top.object("metadata").ifPresent(metadata -> {
      metadata.string("name");
      metadata.string("namespace");
    });
    if (rawName.length() > MAX_NAME || rawNamespace.length() > MAX_NAMESPACE) {
      top.error(rawName.length() > MAX_NAME ? "metadata.name" : "metadata.namespace", "is "
          + Math.max(rawName.length(), rawNamespace.length()) + " characters long; a Kubernetes name has at most "
          + MAX_NAME + ", a namespace at most " + MAX_NAMESPACE);
      return;
    }
    if (kind.isEmpty() || apiVersion.isEmpty()) {
      if (!top.has(kind.isEmpty() ? "kind" : "apiVersion")) {
        top.error(kind.isEmpty() ? "kind" : "apiVersion", "missing required field");
      }
      return;
    }
    if (kind.equals("Service") && apiVersion.equals("v1")
        || kind.equals("Deployment") && apiVersion.equals("apps/v1")) {
      addKubernetes(ref, top, name);
      return;
    }
    if (kind.equals("Secret") && apiVersion.equals("v1")) {
      if (name.isEmpty()) {
        top.error("metadata.name", "missing required field");
        return;
      }
      register(ref, KubernetesSecretParser.parse(top).orElse(null));
      return;
    }
    if (kind.equals("ConfigMap") && apiVersion.equals("v1") && MeshConfigParser.isMeshConfigMap(ref)) {
      register(ref, MeshConfigParser.parse(top).orElse(null));
      return;
    }
    if (!KindNames.isApiVersion(apiVersion)) {
      top.warning(DiagnosticCode.UNKNOWN_KIND, "apiVersion", "apiVersion " + ValueChecks.quote(apiVersion)
          + " is not group/version (for example networking.istio.io/v1); " + kind + " ignored");
      return;
    }
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    boolean security = SECURITY_KINDS.contains(kind);
    boolean telemetry = kind.equals("Telemetry");
    if (!security && !telemetry && !KINDS.contains(kind)) {
      if (kind.equals("EnvoyFilter") && group.equals(NETWORKING_GROUP)) {
        if (name.isEmpty()) {
          top.error("metadata.name", "missing required field");
          return;
        }
        // the rate-limit task's patches are kept, each other one is named
        top.object("spec").map(EnvoyFilterPatches::parse).ifPresent(f -> register(ref, f));
      } else if (KindNames.isKnown(kind)) {
        top.info(DiagnosticCode.NOT_TRANSLATED, "kind", "kind " + kind + " (" + apiVersion
            + ") is not translated (later issue); ignored");
      } else {
        top.warning(DiagnosticCode.UNKNOWN_KIND,
            "kind", "unknown kind " + ValueChecks.quote(kind) + " (" + apiVersion + ") is ignored"
            + KindNames.didYouMean(kind).map(known -> "; did you mean " + known + "?").orElse(""));
      }
      return;
    }
    String expectedGroup = security ? SECURITY_GROUP : telemetry ? TELEMETRY_GROUP : NETWORKING_GROUP;
    Set<String> versions = security ? SECURITY_VERSIONS : telemetry ? TELEMETRY_VERSIONS : VERSIONS;
    if (!group.equals(expectedGroup)) {
      top.warning(DiagnosticCode.UNKNOWN_KIND, "apiVersion", "apiVersion " + apiVersion + " is not the API group"
          + " of " + kind + " (" + expectedGroup + "/" + String.join(", ", new TreeSet<>(versions)) + "); ignored");
      return;
    }
    if (!versions.contains(apiVersion.substring(group.length() + 1))) {
      top.warning(DiagnosticCode.UNKNOWN_KIND, "apiVersion", "apiVersion " + apiVersion + " is not supported ("
          + String.join(", ", new TreeSet<>(versions)) + "); skipped");
      return;
    }
    if (name.isEmpty()) {
      top.error("metadata.name", "missing required field");
      return;
    }
    Optional<SpecReader> spec = top.object("spec");
    if (spec.isEmpty()) {
      if (!top.has("spec")) {
        top.error("spec", "missing required field");
      }
      return;
    }
    register(ref, parse(kind, spec.get()).orElse(null));
    if (EXPORTED_KINDS.contains(kind) && spec.get().has("exportTo")) {
      ValueChecks.exportTo(spec.get()).ifPresent(exportTo -> exports.put(key(ref), exportTo));
    }
  }

  /** A scalar as text; {@code ""} when absent or not a scalar (the typed read reports that). */
  private static String scalar(Object value) {
    return value == null || value instanceof Map || value instanceof List ? "" : value.toString();
  }

  private static String key(ResourceRef ref) {
    return ref.kind() + "/" + ref.namespace() + "/" + ref.name();
  }

  /** A Kubernetes Service (a mesh service) or Deployment (pod labels). */
  private void addKubernetes(ResourceRef ref, SpecReader top, String name) {
    if (name.isEmpty()) {
      top.error("metadata.name", "missing required field");
      return;
    }
    Optional<SpecReader> spec = top.object("spec");
    if (spec.isEmpty()) {
      top.error("spec", "missing required field");
      return;
    }
    register(ref, ref.kind().equals("Service")
        ? KubernetesServiceParser.parse(spec.get()).orElse(null)
        : Deployment.parse(spec.get()));
  }

  private static Optional<?> parse(String kind, SpecReader spec) {
    switch (kind) {
      case "ServiceEntry":
        return ServiceEntryParser.parse(spec);
      case "WorkloadEntry":
        return WorkloadEndpointParser.parse(spec)
            .map(endpoint -> {
              String serviceAccount = spec.string("serviceAccount").orElse("");
              return new WorkloadEntry(spec.ref(),
                  endpoint.withWorkload(spec.ref().name(), spec.ref().namespace(), serviceAccount), serviceAccount);
            });
      case "DestinationRule":
        return DestinationRuleParser.parse(spec);
      case "Sidecar":
        return SidecarParser.parse(spec);
      case "PeerAuthentication":
        return SecurityPolicyParser.peerAuthentication(spec);
      case "AuthorizationPolicy":
        return SecurityPolicyParser.authorizationPolicy(spec);
      case "Gateway":
        return GatewayParser.parse(spec);
      case "Telemetry":
        return TelemetryParser.parse(spec);
      default:
        return VirtualServiceParser.parse(spec);
    }
  }

  /** Adds a resource; a later definition of the same kind/namespace/name replaces (and moves after) the earlier. */
  private void register(ResourceRef ref, Object resource) {
    String key = key(ref);
    ResourceRef previous = refs.remove(key);
    if (previous != null) {
      resources.remove(key);
      exports.remove(key);
      diagnostics.warning(DiagnosticCode.DUPLICATE_RESOURCE, ref, "metadata.name", previous.file().equals(ref.file())
          ? "defined twice in " + ref.file() + "; the later document wins"
          : "also defined in " + previous.file() + "; the definition in " + ref.file()
              + " wins (later file, like kubectl apply)");
    }
    refs.put(key, ref);
    resources.put(key, resource);
  }

  private IstioConfig build(List<String> files) {
    List<ServiceEntry> serviceEntries = new ArrayList<>();
    List<ServiceEntry> kubernetesServices = new ArrayList<>();
    List<Deployment> deployments = new ArrayList<>();
    List<WorkloadEntry> workloadEntries = new ArrayList<>();
    List<DestinationRule> destinationRules = new ArrayList<>();
    List<VirtualService> virtualServices = new ArrayList<>();
    List<Sidecar> sidecars = new ArrayList<>();
    List<PeerAuthentication> peerAuthentications = new ArrayList<>();
    List<AuthorizationPolicy> authorizationPolicies = new ArrayList<>();
    List<Gateway> gateways = new ArrayList<>();
    List<GatewayVirtualService> gatewayVirtualServices = new ArrayList<>();
    List<TlsSecret> secrets = new ArrayList<>();
    List<Telemetry> telemetries = new ArrayList<>();
    List<EnvoyFilter> envoyFilters = new ArrayList<>();
    MeshConfig mesh = MeshConfig.DEFAULT;
    for (Object resource : resources.values()) {
      if (resource instanceof ServiceEntry se && se.ref().kind().equals("Service")) {
        kubernetesServices.add(se);
      } else if (resource instanceof ServiceEntry se) {
        serviceEntries.add(se);
      } else if (resource instanceof Deployment deployment) {
        deployments.add(deployment);
      } else if (resource instanceof WorkloadEntry we) {
        workloadEntries.add(we);
      } else if (resource instanceof DestinationRule dr) {
        destinationRules.add(dr);
      } else if (resource instanceof VirtualService vs) {
        virtualServices.add(vs);
      } else if (resource instanceof Sidecar sidecar) {
        sidecars.add(sidecar);
      } else if (resource instanceof PeerAuthentication policy) {
        peerAuthentications.add(policy);
      } else if (resource instanceof AuthorizationPolicy policy) {
        authorizationPolicies.add(policy);
      } else if (resource instanceof Gateway gateway) {
        gateways.add(gateway);
      } else if (resource instanceof GatewayVirtualService bound) {
        gatewayVirtualServices.add(bound);
        if (bound.mesh()) {
          virtualServices.add(bound.virtualService());
        }
      } else if (resource instanceof TlsSecret secret) {
        secrets.add(secret);
      } else if (resource instanceof Telemetry t) {
        telemetries.add(t);
      } else if (resource instanceof EnvoyFilter f) {
        envoyFilters.add(f);
      } else if (resource instanceof MeshConfig m) {
        mesh = m;
      }
    }
    Map<ResourceRef, ExportTo> exportTo = new LinkedHashMap<>();
    exports.forEach((key, export) -> {
      if (resources.get(key) != null) {
        exportTo.put(refs.get(key), export);
      }
    });
    // Kubernetes Services first: a ServiceEntry for the same host is the more specific, local definition.
    kubernetesServices.addAll(serviceEntries);
    return new IstioConfig(files, kubernetesServices, workloadEntries, destinationRules, virtualServices,
        diagnostics.list(), sourceLines, deployments, sidecars, exportTo,
        new SecurityPolicies(peerAuthentications, authorizationPolicies),
        new Gateways(gateways, gatewayVirtualServices, secrets), new TelemetryPolicies(mesh, telemetries),
        envoyFilters);
  }
}
