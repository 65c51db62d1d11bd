/**
 * npm run demo:cluster — the production shape on this machine, without Docker: PostgreSQL's
 * database `parley_demo_cluster` (created if missing, kept between runs), a NATS server of its own,
 * three compiled app processes as `npm start` runs them and nginx with deploy/nginx.conf in front
 * on http://127.0.0.1:8080 (PARLEY_DEMO_PORT). The PostgreSQL server is DATABASE_URL's when set,
 * else postgres@127.0.0.1:5432. Kill a process it names and watch the pages carry on; like
 * compose's restart policy, it starts a dead one again after a few seconds. Ctrl-C stops it all.
 * The same pieces make tests/e2e/cluster.production-shape.e2e.test.ts (tests/helpers/cluster.ts).
 */
import { adminUrl, ensureDatabase, startCluster, type AppProcess, type NatsServer } from '../tests/helpers/cluster.js';
import { nginxInstalled } from '../tests/helpers/nginx.js';

const DATABASE = 'parley_demo_cluster';
const RESTART_AFTER_MS = 5000;
const port = Number(process.env.PARLEY_DEMO_PORT || 8080);

if (!nginxInstalled()) {
  console.error('demo:cluster needs nginx (Debian: apt-get install nginx-light) and nats-server (apt-get install nats-server).');
  process.exit(1);
}

const databaseUrl = await ensureDatabase(adminUrl(process.env.DATABASE_URL), DATABASE);
console.log(`Starting NATS, three app processes and nginx on database ${DATABASE}…`);
const cluster = await startCluster({
  databaseUrl,
  port,
  // Warnings and errors only, each line marked with the process that printed it.
  onLine: (app, line) => console.log(`[${app}] ${line}`),
});

let stopping = false;

/** Like a restart policy: a process that dies is started again, on its port, after a while. */
function supervise(piece: AppProcess | NatsServer, name: string): void {
  const proc = piece.proc;
  proc?.once('exit', (code, signal) => {
    if (stopping) return;
    console.log(`\n${name} (pid ${proc.pid}) ended (${signal ?? `exit code ${code}`}); starting it again in ${RESTART_AFTER_MS / 1000} s.`);
    setTimeout(() => {
      if (stopping) return;
      piece.start().then(
        () => {
          console.log(`${name} is back: pid ${piece.pid}`);
          supervise(piece, name);
        },
        (err: Error) => console.error(`${name} did not start again: ${err.message}`),
      );
    }, RESTART_AFTER_MS);
  });
}

for (const app of cluster.apps) supervise(app, app.name);
supervise(cluster.nats, 'nats-server');

console.log(`
Parley, the production shape: ${cluster.origin}
  nginx        pid ${cluster.nginx.pid}  deploy/nginx.conf, round robin over the three
${cluster.apps.map((app) => `  ${app.name}         pid ${app.pid}  ${app.url}`).join('\n')}
  nats-server  pid ${cluster.nats.pid}  ${cluster.nats.url}
  PostgreSQL   ${DATABASE}

Try it:
  - Sign up at ${cluster.origin}/signup, create a community and a topic, and open the topic in two
    browser windows: replies from one appear live in the other.
  - Crash a process while you post:   kill -9 ${cluster.apps[0]!.pid}
    The pages reconnect through nginx to another process and miss nothing; you stay signed in
    (sessions are in the database).
  - Stop the broker for a moment:     kill ${cluster.nats.pid}
    Posting goes on; live events catch up from the outbox when it is back.
  - Health of one process: curl ${cluster.apps[1]!.url}/api/health/ready
Ctrl-C stops everything; the database stays (DROP DATABASE ${DATABASE} to start afresh).
`);

async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping nginx, the app processes and NATS…');
  await cluster.stop();
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown());
