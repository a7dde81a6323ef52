/** Byte tunnels between two connections of one event loop: upgraded HTTP/1.1 connections (WebSocket). No mesh types. */
package io.bowline.proxy.tunnel;
