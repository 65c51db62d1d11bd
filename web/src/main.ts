import './app.css';
import { mount } from 'svelte';
import messages from 'virtual:parley-i18n/app';
import App from './App.svelte';
import { startI18n } from './lib/i18n.svelte';
import { session } from './lib/session.svelte';
import { keepNativeLinkClicks } from './router';

keepNativeLinkClicks();
void session.load();
// The first paint is in the reader's language: its messages load before the app mounts.
await startI18n(messages);

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
