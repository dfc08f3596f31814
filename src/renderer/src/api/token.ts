// The HTTP host prints a URL with ?token=; the page keeps it in sessionStorage (per tab, gone when
// the tab closes) and removes it from the address bar so it does not end up in history or screenshots.
const KEY = 'seg-studio-token';

export function readToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(KEY);
}
