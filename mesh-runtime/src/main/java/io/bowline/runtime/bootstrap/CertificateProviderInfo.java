package io.bowline.runtime.bootstrap;

/**
 * One bootstrap {@code certificate_providers} instance (gRFC A29), kept for the mTLS layer.
 *
 * @param pluginName {@code plugin_name}, e.g. {@code file_watcher}
 * @param configJson {@code config}, as JSON text ({@code {}} when absent)
 */
public record CertificateProviderInfo(String pluginName, String configJson) {}
