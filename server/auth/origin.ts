import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';

/** PARLEY_ORIGIN when set, else the origin the request was addressed to. */
export function siteOrigin(config: Config, request: FastifyRequest): string {
  return config.origin ?? `${request.protocol}://${request.host}`;
}

export const isSecureOrigin = (config: Config, request: FastifyRequest) => siteOrigin(config, request).startsWith('https://');
