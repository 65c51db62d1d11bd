/**
 * Talking to the host page (embed.js) by postMessage, version 1 (`{parley: 1, type, …}`).
 *
 * The host page says where it is with `?parent=<origin>`; that claim is used only when the origin
 * is one of the community's allowed origins (exact match), and where the browser tells us the
 * frame's ancestors, only when it matches them too. Without a validated parent nothing is ever
 * posted. Every message is addressed to that origin (never "*"), and messages are accepted only
 * from `window.parent` with that origin.
 */

export const PROTOCOL = 1;

export interface ParentChannel {
  readonly origin: string;
  post(message: Record<string, unknown>): void;
  /** Stops the height reports and the message listener. */
  stop(): void;
}

/** The validated parent origin, or null (not framed, not allowed, or not who it claims to be). */
export function validateParent(claimed: string | null, allowedOrigins: readonly string[]): string | null {
  if (!claimed || window.parent === window || !allowedOrigins.includes(claimed)) return null;
  // Chromium and WebKit tell us the real embedder; where they do, the claim must match it.
  const ancestors = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
  if (ancestors && ancestors.length > 0 && ancestors[0] !== claimed) return null;
  return claimed;
}

export interface ParentHandlers {
  /** The host page handed over an SSO token. */
  sso(token: string): void;
}

/**
 * Connects to a validated parent: says `ready`, reports the page height (coalesced to one
 * message per animation frame at most, and only when it changed) and listens for SSO tokens.
 */
export function connectParent(origin: string, handlers: ParentHandlers): ParentChannel {
  const parent = window.parent;
  const post = (message: Record<string, unknown>) => parent.postMessage({ parley: PROTOCOL, ...message }, origin);

  const onMessage = (event: MessageEvent) => {
    if (event.source !== parent || event.origin !== origin) return;
    const data = event.data as { parley?: unknown; type?: unknown; token?: unknown } | null;
    if (!data || typeof data !== 'object' || data.parley !== PROTOCOL) return;
    if (data.type === 'sso' && typeof data.token === 'string' && data.token.length > 0 && data.token.length <= 8192) handlers.sso(data.token);
  };
  addEventListener('message', onMessage);

  // Height: the frame has no scrollbar of its own; the host page sizes it to the content.
  document.documentElement.classList.add('framed');
  let last = -1;
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    frame = 0;
    timer = undefined;
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      post({ type: 'height', height });
    }
  };
  const schedule = () => {
    if (frame || timer) return;
    frame = requestAnimationFrame(flush);
    // Browsers pause animation frames in frames scrolled out of view; still report, less often.
    timer = setTimeout(flush, 250);
  };
  const observer = new ResizeObserver(schedule);
  observer.observe(document.body);

  post({ type: 'ready' });
  schedule();

  return {
    origin,
    post,
    stop() {
      observer.disconnect();
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      removeEventListener('message', onMessage);
    },
  };
}
