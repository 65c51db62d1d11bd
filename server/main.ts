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
const line = `listening on ${address} (database: ${app.parley.database.driver})`;
// The line is part of the contract (scripts wait for it), so it is printed even when info logs are off.
if (['info', 'debug', 'trace'].includes(config.logLevel)) app.log.info(line);
else console.log(line);

// Finish in-flight requests, then close sockets and the database; a second signal forces exit.
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
