/**
 * The command line ({@code serve}, {@code analyze}) over {@code LocalControlPlane} and its diagnostics, with
 * one set of exit codes. Never imports the runtime; nothing else in the control plane imports it.
 */
package io.bowline.controlplane.cli;
