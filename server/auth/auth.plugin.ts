import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { forbidden, unauthorized } from '../errors/errors.js';
import { guestViewer, userViewer, type Viewer, type ViewerUser } from '../visibility/viewer.js';
import { SESSION_COOKIE, type IssuedSession, type SessionStore } from './session.js';
import { isSecureOrigin, siteOrigin } from './origin.js';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
    /** How the viewer authenticated: drives the CSRF rule and which credential logout revokes. */
    authMethod: 'none' | 'cookie' | 'bearer';
  }
  interface FastifyContextConfig {
    /** The route checks `Authorization` itself (a shared secret, not a session): the request stays a guest's. */
    ownAuthorization?: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Cross-site request forgery guard: a cookie rides along with any request a browser makes,
 * so an unsafe request that relies on it must prove it came from our own pages. Sign-up and
 * log-in carry no cookie yet but are checked too when a browser names a foreign origin.
 */
export function assertSameOrigin(config: Config, request: FastifyRequest, hasCookie: boolean): void {
  const origin = request.headers.origin;
  const expected = siteOrigin(config, request);
  if (hasCookie ? origin !== expected : origin !== undefined && origin !== expected) {
    throw forbidden('csrf_origin_mismatch', 'This request must come from the site itself (Origin header mismatch).');
  }
}

export function setSessionCookie(config: Config, request: FastifyRequest, reply: FastifyReply, session: IssuedSession): void {
  reply.setCookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecureOrigin(config, request),
    path: '/',
    expires: session.expiresAt,
  });
}

export function clearSessionCookie(config: Config, request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: isSecureOrigin(config, request), path: '/' });
}

export function requireUser(request: FastifyRequest): ViewerUser {
  if (!request.viewer.user) throw unauthorized();
  return request.viewer.user;
}

/** Works out who is asking, before validation and before any WebSocket upgrade. */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config; sessions: SessionStore }) => {
    const { config, sessions } = opts;
    await app.register(cookie);
    app.decorateRequest('viewer', null as unknown as Viewer);
    app.decorateRequest('authMethod', 'none');

    app.addHook('onRequest', async (request, reply) => {
      request.viewer = guestViewer();
      request.authMethod = 'none';
      // Static assets and the embed's pages (which sign in on their own) need no identity; the API,
      // its socket and the rendered pages (each reader gets their own view) do.
      if (request.url.startsWith('/assets/') || request.url.startsWith('/embed')) return;
      if (request.routeOptions.config.ownAuthorization) return;
      const bearer = bearerToken(request);
      if (bearer) {
        // A bearer token is never sent by a browser on its own, so it needs no Origin check.
        const found = await sessions.validate(bearer);
        if (!found) throw unauthorized('invalid_token', 'The bearer token is invalid or expired.');
        request.viewer = userViewer(found.user, found.sessionId);
        request.authMethod = 'bearer';
        return;
      }
      const token = request.cookies[SESSION_COOKIE];
      if (UNSAFE.has(request.method)) assertSameOrigin(config, request, token !== undefined);
      if (!token) return;
      const found = await sessions.validate(token);
      if (!found) {
        clearSessionCookie(config, request, reply);
        return;
      }
      request.viewer = userViewer(found.user, found.sessionId);
      request.authMethod = 'cookie';
      if (found.fresh) setSessionCookie(config, request, reply, { token, sessionId: found.sessionId, expiresAt: found.expiresAt });
    });
  },
  { name: 'auth' },
);
