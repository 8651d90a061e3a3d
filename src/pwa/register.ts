/**
 * Registers the service worker (production builds only) and, the first time it takes control
 * of a page that is not cross-origin isolated (a static host without COOP/COEP), reloads once
 * so the page comes back through the worker, with the headers, and wasm gets its threads.
 */
const RELOADED = 'itra-playground:coi-reload';

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || !window.isSecureContext) return;
  const sw = navigator.serviceWorker;
  const reloadIfNotIsolated = () => {
    if (window.crossOriginIsolated) {
      sessionStorage.removeItem(RELOADED);
      return;
    }
    // Once per tab: a browser that ignores the worker's headers must not reload forever.
    if (sessionStorage.getItem(RELOADED)) return;
    sessionStorage.setItem(RELOADED, '1');
    window.location.reload();
  };
  if (sw.controller) reloadIfNotIsolated();
  else sw.addEventListener('controllerchange', reloadIfNotIsolated, { once: true });
  sw.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL }).catch(
    (e: unknown) => console.warn('Service worker not registered:', e),
  );
}
