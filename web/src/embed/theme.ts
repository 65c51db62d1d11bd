import { contrastText, safeAccent } from '../lib/format';
import type { EmbedTheme } from './params';

/** `light` / `dark` force the colour scheme (embed.css); `auto` follows prefers-color-scheme. */
export function applyTheme(theme: EmbedTheme): void {
  if (theme === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', theme);
}

/** The host page's or the community's accent colour, through the CSSOM (the CSP allows it). */
export function applyAccent(color: string | null | undefined): void {
  const accent = safeAccent(color);
  if (!accent) return;
  const style = document.documentElement.style;
  style.setProperty('--accent', accent);
  style.setProperty('--accent-contrast', contrastText(accent));
}
