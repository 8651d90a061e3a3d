/**
 * One GET of a dataset URL with node:http(s) (never transparently decompressing a `.gz`),
 * following redirects only to https and only to the first URL's host or a listed CDN host:
 * a mirror cannot hand the download to an arbitrary server or downgrade it to plain http.
 */
import http from 'node:http';
import https from 'node:https';
import { REDIRECT_HOSTS } from '../src/data/registry.ts';

export class RedirectRefused extends Error {}

export function get(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  allowHosts: readonly string[] = REDIRECT_HOSTS,
  redirects = 5,
  firstHost = new URL(url).host,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
    if (!mod) return reject(new Error(`unsupported URL scheme ${u.protocol}`));
    const req = mod.get(
      u,
      { headers: { 'accept-encoding': 'identity', ...headers }, signal },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          if (redirects === 0) return reject(new Error(`too many redirects from ${url}`));
          const next = new URL(res.headers.location, u);
          if (next.protocol !== 'https:') {
            return reject(
              new RedirectRefused(`redirect to ${next.href} refused: not https (from ${url})`),
            );
          }
          if (next.host !== firstHost && !allowHosts.includes(next.hostname)) {
            return reject(
              new RedirectRefused(
                `redirect to ${next.href} refused: ${next.hostname} is neither the mirror's host nor a listed CDN (from ${url})`,
              ),
            );
          }
          get(next.href, headers, signal, allowHosts, redirects - 1, firstHost).then(
            resolve,
            reject,
          );
          return;
        }
        resolve(res);
      },
    );
    req.on('error', reject);
  });
}
