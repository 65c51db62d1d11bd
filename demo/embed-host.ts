/**
 * npm run demo:embed — see the embed work end to end on one machine:
 *   - a Parley forum (embedded database, the demo community) on http://127.0.0.1:3100
 *   - "Acme Lamps", a sample organisation site on another origin, http://127.0.0.1:3200, whose
 *     article pages carry the widget, and whose tiny server signs SSO tokens for its own users.
 * The community's allowed origins and SSO secret are set up here the way an admin would in the
 * settings page. Ports: PARLEY_DEMO_FORUM_PORT, PARLEY_DEMO_HOST_PORT.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { buildApp } from '../server/app.js';
import { defaultConfig } from '../server/config/config.js';
import { communities, embedSettings } from '../db/schema.js';

const forumPort = Number(process.env.PARLEY_DEMO_FORUM_PORT ?? 3100);
const hostPort = Number(process.env.PARLEY_DEMO_HOST_PORT ?? 3200);
const forum = `http://127.0.0.1:${forumPort}`;
const host = `http://127.0.0.1:${hostPort}`;
const COMMUNITY = 'demo';
const SECRET = randomUUID() + randomUUID();

const app = await buildApp(defaultConfig({ port: forumPort, origin: forum, dataDir: 'memory://', seedDemo: true, logLevel: 'warn' }));
await app.listen({ port: forumPort, host: '127.0.0.1' });

// What an admin does in the community's settings: allow the site to embed, and set an SSO secret.
const { db } = app.parley.ctx;
const [community] = await db.select({ id: communities.id }).from(communities).where(eq(communities.slug, COMMUNITY));
await db
  .insert(embedSettings)
  .values({ communityId: community!.id, allowedOrigins: [host], ssoSecret: SECRET, ssoSecretCreatedAt: new Date() })
  .onConflictDoUpdate({ target: embedSettings.communityId, set: { allowedOrigins: [host], ssoSecret: SECRET, ssoSecretCreatedAt: new Date() } });

/** The organisation's own login, reduced to two known customers. */
const CUSTOMERS: Record<string, { name: string }> = { dana: { name: 'Dana Reyes' }, omar: { name: 'Omar Haddad' } };

/** What the organisation's server does for a signed-in customer: a short-lived HS256 token. */
async function ssoToken(id: string): Promise<string> {
  const customer = CUSTOMERS[id]!;
  return new SignJWT({ name: customer.name })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`acme-customer-${id}`)
    .setAudience(COMMUNITY)
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(SECRET));
}

const page = (title: string, path: string, intro: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Acme Lamps</title><link rel="stylesheet" href="/site.css"></head>
<body><header><strong>Acme Lamps</strong> <nav><a href="/">Blog</a> · <a href="/sunrise">Sunrise mode</a></nav>
<span id="who">Not signed in to Acme</span> <button id="signin-dana">Sign in as Dana</button> <button id="signin-omar">Sign in as Omar</button></header>
<main><h1>${title}</h1><p>${intro}</p>
<h2>Discussion</h2>
<!-- The snippet an organisation pastes: -->
<div data-parley-community="${COMMUNITY}" data-parley-url="${host}${path}"></div>
<script async src="${forum}/embed.js"></script>
</main><script src="/site.js"></script></body></html>`;

const SITE_JS = `
// The organisation's page: when its own user signs in, it asks its server for an SSO token
// and hands it to the widget. The token never goes into a URL or into storage.
for (const id of ['dana', 'omar']) {
  document.getElementById('signin-' + id).addEventListener('click', async () => {
    const token = await (await fetch('/sso-token?customer=' + id)).text();
    document.getElementById('who').textContent = 'Signed in to Acme as ' + id;
    const push = () => window.Parley ? window.Parley.update({ sso: token }) : setTimeout(push, 100);
    push();
  });
}`;
const SITE_CSS =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:1rem}header{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;border-bottom:1px solid #ddd;padding-bottom:.5rem}';

const serve = async (req: IncomingMessage, res: ServerResponse) => {
  const url = new URL(req.url ?? '/', host);
  const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  if (url.pathname === '/')
    return send(
      200,
      'text/html; charset=utf-8',
      page('Our new desk lamp is here', '/', 'Warm light, a sunrise alarm and an app. Tell us what you think below.'),
    );
  if (url.pathname === '/sunrise')
    return send(200, 'text/html; charset=utf-8', page('How sunrise mode works', '/sunrise', 'The lamp brightens slowly for 30 minutes before your alarm.'));
  if (url.pathname === '/site.js') return send(200, 'text/javascript; charset=utf-8', SITE_JS);
  if (url.pathname === '/site.css') return send(200, 'text/css; charset=utf-8', SITE_CSS);
  if (url.pathname === '/sso-token' && CUSTOMERS[url.searchParams.get('customer') ?? '']) {
    return send(200, 'text/plain; charset=utf-8', await ssoToken(url.searchParams.get('customer')!));
  }
  send(404, 'text/plain; charset=utf-8', 'not found');
};
const server = createServer((req, res) => {
  // A failure (signing an SSO token, say) answers 500 rather than leaving a rejection nobody handles.
  serve(req, res).catch((err: unknown) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.listen(hostPort, '127.0.0.1');

console.log(`Parley forum:           ${forum}/c/${COMMUNITY}`);
console.log(`Acme Lamps (the host):  ${host}/   and ${host}/sunrise`);
console.log('Sign in on the host page as Dana or Omar (SSO), or with a Parley account from inside the widget. Ctrl-C stops both.');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    void app.close().then(() => process.exit(0));
  });
}
