/**
 * Where sign-in sends people back to, and links that carry it. `?next=` is honoured only for a
 * same-site path ("/c/acme", never "//evil.example" or "https://…"): an open redirect on the
 * login page would lend our name to phishing.
 */
import { navigate, p } from '../../router';

/** `raw` if it is a path on this site, else null. */
export function safeNext(raw: string | null | undefined): string | null {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return null;
  try {
    const url = new URL(raw, location.origin);
    return url.origin === location.origin ? `${url.pathname}${url.search}${url.hash}` : null;
  } catch {
    return null;
  }
}

export function loginHref(next: string | null = null): string {
  const back = safeNext(next);
  return back && !isAuthPath(back) ? p('/login', { search: { next: back } }) : p('/login');
}

export function signupHref(next: string | null = null): string {
  const back = safeNext(next);
  return back && !isAuthPath(back) ? p('/signup', { search: { next: back } }) : p('/signup');
}

function isAuthPath(path: string): boolean {
  return /^\/(?:login|signup)(?:[?#]|$)/.test(path);
}

/**
 * Navigates in-app to a same-site path given as a string (sv-router's `navigate` takes route
 * patterns; a pattern without parameters is matched against the path as given).
 */
export function goToPath(path: string, options: { replace?: boolean } = {}): Promise<unknown> {
  const url = new URL(path, location.origin);
  const target = url.pathname as '/';
  return navigate(target, { search: url.search, hash: url.hash, replace: options.replace ?? false });
}
