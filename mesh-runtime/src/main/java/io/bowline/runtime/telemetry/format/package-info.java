/**
 * Envoy's access-log format strings and JSON formats, compiled once and validated where the
 * configuration is read. Imports only mesh-api; nothing else of the runtime.
 */
package io.bowline.runtime.telemetry.format;
