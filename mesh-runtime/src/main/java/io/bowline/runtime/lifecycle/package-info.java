/**
 * Who owns the mesh's threads: the reference-counted {@link io.bowline.runtime.lifecycle.SharedRuntime}
 * every open client holds, and its lazily started services. Imports nothing of the runtime.
 */
package io.bowline.runtime.lifecycle;
