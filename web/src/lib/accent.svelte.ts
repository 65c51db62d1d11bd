import { contrastText, safeAccent } from './format';

/**
 * Themes the page with a community's accent colour while the calling component is mounted (or
 * until the colour changes): sets `--accent` and a readable `--accent-contrast` on <html> through
 * the CSSOM, which the CSP allows. Call during component initialisation.
 */
export function useAccent(color: () => string | null | undefined): void {
  $effect(() => {
    const accent = safeAccent(color());
    if (!accent) return;
    const style = document.documentElement.style;
    style.setProperty('--accent', accent);
    style.setProperty('--accent-contrast', contrastText(accent));
    return () => {
      style.removeProperty('--accent');
      style.removeProperty('--accent-contrast');
      // A server-rendered page themed itself with a stylesheet for <html data-accent="…"> (server/pages): leaving the community ends it too.
      delete document.documentElement.dataset.accent;
    };
  });
}
