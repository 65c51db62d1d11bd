/**
 * embed.js: the loader an organisation's page includes to show Parley threads. Plain TypeScript,
 * no framework, built as an IIFE (vite.embed-loader.config.ts) to stay a few KB.
 *
 *   <div data-parley-community="acme" data-parley-url="https://acme.example/post-1"></div>
 *   <script async src="https://forum.example/embed.js"></script>
 *
 * For every `[data-parley-community]` element it inserts one iframe to
 * `<forum>/embed/<community>?url=…`, but only when the element comes near the viewport. The frame
 * tells its height with `{parley: 1, type: 'height', height}`; messages are accepted only from that
 * frame's window and the forum's origin. An SSO token (`data-parley-sso`, or `Parley.update({sso})`)
 * is handed to a frame when it says `{parley: 1, type: 'ready'}`, addressed to the forum's origin.
 *
 * `window.Parley.update(options?)` rescans the page; `window.Parley.destroy()` removes everything
 * the loader added. Loading the script twice keeps the first instance.
 */

interface UpdateOptions {
  /** An SSO token signed by the organisation's server, for every frame on the page. */
  sso?: string | null;
}

interface ParleyGlobal {
  update(options?: UpdateOptions): void;
  destroy(): void;
}

interface Frame {
  iframe: HTMLIFrameElement;
  /** The src the element's attributes ask for. */
  src: string;
  /** The frame has been given a src (it came near the viewport). */
  started: boolean;
  /** It said `ready` since its last navigation: SSO tokens may be sent to it. */
  ready: boolean;
  /** The SSO token last sent to this frame's current document. */
  sentSso: string | null;
}

const VERSION = 1;
const MIN_HEIGHT = 120;
const MAX_HEIGHT = 20000;
const RESERVED = '240px';
const ATTR = 'data-parley-';

const win = window as Window & { Parley?: ParleyGlobal };

function forumOrigin(): string | null {
  const script = document.currentScript as HTMLScriptElement | null;
  const src = script?.src || document.querySelector<HTMLScriptElement>('script[src*="/embed.js"]')?.src;
  try {
    return src ? new URL(src, location.href).origin : null;
  } catch {
    return null;
  }
}

function start(origin: string): ParleyGlobal & { boot(): void } {
  const frames = new Map<HTMLElement, Frame>();
  let globalSso: string | null = null;
  let observer: IntersectionObserver | null = null;
  let listening = false;
  let pendingStart: (() => void) | null = null;

  const attr = (el: HTMLElement, name: string) => el.getAttribute(ATTR + name)?.trim() || '';

  function srcFor(el: HTMLElement): string {
    const community = attr(el, 'community');
    const params = new URLSearchParams();
    const topic = attr(el, 'topic');
    const url = attr(el, 'url');
    if (url || !topic) params.set('url', url || location.href.split('#')[0]!);
    else params.set('topic', topic);
    params.set('title', attr(el, 'title') || document.title);
    params.set('parent', location.origin);
    const theme = attr(el, 'theme');
    if (theme === 'light' || theme === 'dark' || theme === 'auto') params.set('theme', theme);
    const accent = attr(el, 'accent');
    if (/^#[0-9a-f]{6}$/i.test(accent)) params.set('accent', accent);
    // The widget speaks the host page's language unless told otherwise (or the member chose one).
    const locale = attr(el, 'locale') || el.closest('[lang]')?.getAttribute('lang') || '';
    if (/^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$/i.test(locale)) params.set('locale', locale);
    return `${origin}/embed/${encodeURIComponent(community)}?${params}`;
  }

  function ssoFor(el: HTMLElement): string | null {
    return globalSso ?? (attr(el, 'sso') || null);
  }

  function send(frame: Frame, message: Record<string, unknown>): void {
    // Addressed to the forum's origin: if the frame was navigated elsewhere, nothing is delivered.
    frame.iframe.contentWindow?.postMessage({ parley: VERSION, ...message }, origin);
  }

  function pushSso(el: HTMLElement, frame: Frame): void {
    const token = ssoFor(el);
    if (frame.ready && token && token !== frame.sentSso) {
      frame.sentSso = token;
      send(frame, { type: 'sso', token });
    }
  }

  function load(frame: Frame): void {
    frame.started = true;
    frame.ready = false;
    frame.sentSso = null;
    frame.iframe.src = frame.src;
  }

  function onMessage(event: MessageEvent): void {
    if (event.origin !== origin || !event.source) return;
    const data = event.data as { parley?: unknown; type?: unknown; height?: unknown } | null;
    if (!data || typeof data !== 'object' || data.parley !== VERSION) return;
    for (const [el, frame] of frames) {
      if (frame.iframe.contentWindow !== event.source) continue;
      if (data.type === 'height') {
        const height = Number(data.height);
        if (!Number.isFinite(height)) return;
        const style = frame.iframe.style;
        style.minHeight = '';
        style.height = `${Math.round(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, height)))}px`;
      } else if (data.type === 'ready') {
        frame.ready = true;
        frame.sentSso = null;
        pushSso(el, frame);
      }
      return;
    }
  }

  function forget(el: HTMLElement, frame: Frame): void {
    observer?.unobserve(el);
    frame.iframe.remove();
    frames.delete(el);
  }

  function update(options?: UpdateOptions): void {
    if (options && 'sso' in options) globalSso = options.sso || null;
    if (!listening) {
      addEventListener('message', onMessage);
      listening = true;
    }
    observer ??= new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const el = entry.target as HTMLElement;
          const frame = frames.get(el);
          if (!entry.isIntersecting || !frame) continue;
          observer?.unobserve(el);
          if (!frame.started) load(frame);
        }
      },
      { rootMargin: '600px 0px' },
    );

    const found = new Set<HTMLElement>();
    for (const el of document.querySelectorAll<HTMLElement>(`[${ATTR}community]`)) {
      if (!attr(el, 'community')) continue;
      found.add(el);
      const src = srcFor(el);
      let frame = frames.get(el);
      // Someone emptied the element: start it again.
      if (frame && frame.iframe.parentNode !== el) {
        forget(el, frame);
        frame = undefined;
      }
      if (!frame) {
        const iframe = document.createElement('iframe');
        const title = attr(el, 'title');
        iframe.title = title ? `Discussion: ${title}` : 'Comments';
        iframe.loading = 'lazy';
        iframe.setAttribute('scrolling', 'no');
        iframe.setAttribute('data-parley-frame', '');
        Object.assign(iframe.style, { display: 'block', width: '100%', border: '0', minHeight: RESERVED, height: RESERVED });
        frame = { iframe, src, started: false, ready: false, sentSso: null };
        frames.set(el, frame);
        el.appendChild(iframe);
        observer.observe(el);
      } else if (frame.src !== src) {
        frame.src = src;
        if (frame.started) load(frame);
      }
      pushSso(el, frame);
    }
    for (const [el, frame] of frames) if (!found.has(el) || !el.isConnected) forget(el, frame);
  }

  function destroy(): void {
    for (const [el, frame] of frames) forget(el, frame);
    observer?.disconnect();
    observer = null;
    if (listening) removeEventListener('message', onMessage);
    listening = false;
    if (pendingStart) document.removeEventListener('DOMContentLoaded', pendingStart);
    pendingStart = null;
  }

  /** The first scan: now, or once the page's elements exist. */
  function boot(): void {
    if (document.readyState !== 'loading') return update();
    pendingStart = () => {
      pendingStart = null;
      update();
    };
    document.addEventListener('DOMContentLoaded', pendingStart, { once: true });
  }

  return { update, destroy, boot };
}

if (!win.Parley) {
  const origin = forumOrigin();
  if (origin) {
    const { update, destroy, boot } = start(origin);
    win.Parley = { update, destroy };
    boot();
  }
}

export {};
