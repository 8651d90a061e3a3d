/**
 * The two headers that make a page cross-origin isolated (SharedArrayBuffer, so wasm
 * threads). The Vite servers send them (vite.config.ts); on a static host the service
 * worker adds them to the responses it serves (sw.ts).
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** The same response with the isolation headers (opaque and error responses as they are). */
export function isolate(response: Response): Response {
  if (response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(ISOLATION_HEADERS)) headers.set(k, v);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
