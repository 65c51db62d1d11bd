/**
 * The embed app (embed.html): the thread a host page shows in an iframe (`/embed/<slug>?url=…`),
 * or the sign-in popup that frame opens (`/embed/<slug>/signin`).
 */
import '../app.css';
import './embed.css';
import { mount } from 'svelte';
import messages from 'virtual:parley-i18n/embed';
import { startI18n, t } from '../lib/i18n.svelte';
import EmbedApp from './EmbedApp.svelte';
import { readParams } from './params';
import { applyAccent, applyTheme } from './theme';

const target = document.getElementById('app');
if (!target) throw new Error('embed.html has no #app element');

const params = readParams();
await startI18n(messages, { host: params?.locale, remember: false });
if (!params) {
  target.textContent = t('embed.nothing_here');
} else if (params.signin) {
  document.title = t('embed.signin.document_title');
  // A page of its own, opened rarely: its code stays out of the widget's first load.
  const { default: SignInPopup } = await import('./SignInPopup.svelte');
  mount(SignInPopup, { target, props: { slug: params.slug } });
} else {
  document.title = t('embed.document_title');
  applyTheme(params.theme);
  applyAccent(params.accent);
  mount(EmbedApp, { target, props: { params } });
}
