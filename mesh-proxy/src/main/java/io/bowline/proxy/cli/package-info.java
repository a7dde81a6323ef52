/**
 * The bowline-proxy command line: parsed with picocli in a class loader dropped before the proxy runs
 * ({@link io.bowline.proxy.cli.ProxyMain}), then run from JDK-typed settings ({@link io.bowline.proxy.cli.ProxyRunner}).
 */
package io.bowline.proxy.cli;
