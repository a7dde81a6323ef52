package io.bowline.runtime.xds.policy;

/** What the xDS client does with a resource that sets a field. */
public enum FieldPolicy {
  /** Implemented: the runtime honours the field (parsers may still reject values they cannot honour). */
  SUPPORTED,
  /** Harmless to ignore (names, stats prefixes, socket-listener details): ignored silently. */
  IGNORED,
  /** Not implemented: the resource is accepted, the field ignored, and a warning logged once per field. */
  WARN,
  /** Not implemented and would change behaviour: the resource is rejected (NACK) naming the field. */
  REJECT
}
