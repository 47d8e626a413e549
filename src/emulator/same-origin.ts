import type { IncomingHttpHeaders } from 'node:http';

/**
 * Keeps web pages from other sites away from a server on 127.0.0.1. A browser lets any page send
 * requests to the operator's own computer: a cross-site request carries that site's `Origin`, and a
 * page whose name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name in `Host`. Programs
 * (grammY, tests) send `Host: 127.0.0.1:PORT` and no `Origin`.
 */

/** The names under which this computer's own pages reach a loopback server on `port`. */
export function loopbackHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/** Why a request must be refused, or undefined when it comes from this computer's own page or a program. */
export function foreignPageRefusal(headers: IncomingHttpHeaders, port: number): string | undefined {
  const hosts = loopbackHosts(port);
  const host = headers.host?.toLowerCase();
  if (host === undefined || !hosts.includes(host)) return 'Host must be 127.0.0.1, localhost or [::1] with this port';
  const origin = headers.origin;
  // A sandboxed frame or a file:// page sends "null": not this page either.
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`)) return 'requests from other origins are refused';
  return undefined;
}
