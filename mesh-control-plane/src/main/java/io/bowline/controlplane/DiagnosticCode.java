package io.bowline.controlplane;

/**
 * The stable message codes of {@link Diagnostic}s, as {@code analyze -o json} prints them and
 * docs/analyze-codes.md documents them. A code whose meaning is the same as one of {@code istioctl analyze}'s
 * keeps Istio's {@code IST} number; the others use Bowline's own {@code BLN} prefix. Codes are never reused
 * for another meaning.
 */
public enum DiagnosticCode {

  /** IST0001: the tool itself failed on this input (a bug); the input is rejected, nothing half-applied. */
  INTERNAL_ERROR("IST0001", "InternalError"),
  /** IST0101: a resource that a field refers to (a subset, a host) does not exist. */
  REFERENCED_RESOURCE_NOT_FOUND("IST0101", "ReferencedResourceNotFound"),
  /** IST0106: a value has the wrong type, is missing, or cannot work (out of range, malformed). */
  SCHEMA_VALIDATION_ERROR("IST0106", "SchemaValidationError"),
  /** IST0122: a regular expression does not compile as RE2 or exceeds the program-size bound. */
  INVALID_REGEXP("IST0122", "InvalidRegexp"),
  /** IST0132: a VirtualService is bound to a Gateway none of whose servers serves any of its hosts. */
  VIRTUAL_SERVICE_HOST_NOT_FOUND_IN_GATEWAY("IST0132", "VirtualServiceHostNotFoundInGateway"),
  /** IST0133: a value is accepted but probably not what was meant. */
  SCHEMA_WARNING("IST0133", "SchemaWarning"),
  /** IST0145: Gateways selecting the same workloads use one port with different protocols. */
  CONFLICTING_GATEWAYS("IST0145", "ConflictingGateways"),
  /** BLN0001: a file cannot be read or decoded (not UTF-8), is not YAML, or exceeds a loading bound. */
  UNREADABLE_FILE("BLN0001", "UnreadableFile"),
  /** BLN0002: a kind or apiVersion that Bowline does not know, with a "did you mean" when one is close. */
  UNKNOWN_KIND("BLN0002", "UnknownKind"),
  /** BLN0003: a field or resource that Bowline does not translate (yet); it is ignored. */
  NOT_TRANSLATED("BLN0003", "NotTranslated"),
  /** BLN0004: a field that has no meaning for a local control plane; it is ignored. */
  IGNORED("BLN0004", "Ignored"),
  /** BLN0005: the same kind, namespace and name is defined twice; the later definition wins. */
  DUPLICATE_RESOURCE("BLN0005", "DuplicateResource"),
  /** BLN0006: two resources overlap or conflict (hosts, subsets, policies); the message says which wins. */
  CONFLICT("BLN0006", "Conflict"),
  /** BLN0007: something that the configuration refers to is not found, and the reference is skipped. */
  REFERENCE_SKIPPED("BLN0007", "ReferenceSkipped"),
  /** BLN0008: an EnvoyFilter patch that the local control plane does not apply; it is named and ignored. */
  UNSUPPORTED_ENVOY_FILTER_PATCH("BLN0008", "UnsupportedEnvoyFilterPatch"),
  /** BLN0009: a Telemetry or meshConfig names a provider that no extensionProviders entry defines, or one of another use. */
  INVALID_TELEMETRY_PROVIDER("BLN0009", "InvalidTelemetryProvider");

  private final String id;
  private final String title;

  DiagnosticCode(String id, String title) {
    this.id = id;
    this.title = title;
  }

  /** The code as printed, for example {@code IST0106}. */
  public String id() {
    return id;
  }

  /** The code's name, for example {@code SchemaValidationError}. */
  public String title() {
    return title;
  }

  /** The code a diagnostic gets when its site names none: schema errors, schema warnings, ignored fields. */
  static DiagnosticCode defaultFor(Diagnostic.Severity severity) {
    return switch (severity) {
      case ERROR -> SCHEMA_VALIDATION_ERROR;
      case WARNING -> SCHEMA_WARNING;
      case INFO -> IGNORED;
    };
  }
}
