import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { sharedSchemas } from '../schemas/common.schema.js';

/** OpenAPI generated from the same TypeBox schemas that validate requests. */
export const docsPlugin = fp(async (app: FastifyInstance) => {
  for (const schema of sharedSchemas) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version: '1',
        description: 'The public API of Parley. Errors always carry a stable `code`. Cookie-authenticated unsafe requests must send a same-site `Origin`; bearer requests need not.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'parley_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.get('/api/docs', { schema: { hide: true } }, async () => app.swagger());
}, { name: 'docs' });
