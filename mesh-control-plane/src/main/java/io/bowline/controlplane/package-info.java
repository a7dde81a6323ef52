/**
 * The local control plane: {@code LocalControlPlane} reads Istio YAML, translates it and serves it over ADS,
 * with its diagnostics and reload hooks. Never imports the runtime ({@code io.bowline.runtime}): the two
 * meet only on the wire.
 */
package io.bowline.controlplane;
