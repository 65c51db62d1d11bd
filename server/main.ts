import { configFromEnv, ConfigError } from './config/config.js';
import { buildApp } from './app.js';

let config;
try {
  config = configFromEnv(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`parley: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

const app = await buildApp(config);
const address = await app.listen({ port: config.port, host: config.host });
app.log.info(`listening on ${address.replace('[::1]', 'localhost')}`);
if (!app.log.info.name) console.log(`listening on ${address}`);

// Finish in-flight requests, then close sockets and the database; a second signal forces exit.
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    app.close().then(() => process.exit(0), () => process.exit(1));
  });
}
