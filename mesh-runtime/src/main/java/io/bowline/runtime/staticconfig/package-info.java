/**
 * Static configuration: an Envoy bootstrap ({@code static_resources}) or a resources file, in YAML
 * or JSON, read into Envoy protos. Validation happens in {@code xds} as for xDS responses. Imports
 * only Envoy protos, protobuf, Gson and SnakeYAML.
 */
package io.bowline.runtime.staticconfig;
