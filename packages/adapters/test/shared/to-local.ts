/**
 * A `fetch` for the SDK's own option that sends the client's requests to the local test server
 * (`baseURL`) whatever host its URL names: a client configured for a real provider's host (which the
 * adapter reads) talks to the server the test runs.
 */
export function toLocal(baseURL: string) {
  const local = new URL(baseURL);
  return (url: string | URL | Request, init?: RequestInit) => {
    const to = new URL(String(url instanceof Request ? url.url : url));
    to.protocol = local.protocol;
    to.host = local.host;
    return fetch(to, init);
  };
}
