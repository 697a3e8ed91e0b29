/** A Host header that is a host name or address with an optional port, and nothing else. */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:.]+\](:\d+)?$/;

/**
 * The origin a client reached a server by, from its Host header (as HAPI FHIR builds its links by
 * default), so links work whether the server is reached as 127.0.0.1, localhost, a container's
 * name or through a proxy; `fallback` when the header is missing or not a plain host.
 */
export function requestOrigin(host: string | undefined, fallback: string): string {
  return PLAIN_HOST.test(host ?? '') ? `http://${host}` : fallback;
}
