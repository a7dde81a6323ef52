/**
 * Static configuration: an Envoy bootstrap ({@code static_resources}) or a resources file, YAML or JSON,
 * read into Envoy protos (validated in {@code xds}). Imports only Envoy protos, protobuf, Gson and
 * SnakeYAML.
 */
package io.bowline.runtime.staticconfig;
