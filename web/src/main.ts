import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { session } from './lib/session.svelte';
import { keepNativeLinkClicks } from './router';

keepNativeLinkClicks();
void session.load();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
