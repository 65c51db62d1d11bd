import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { ServiceContext } from '../write/unit-of-work.js';
import type { SessionStore } from '../auth/session.js';
import { siteOrigin } from '../auth/origin.js';
import { writeRateLimit } from '../security/security.plugin.js';
import {
  CodeExchangeBody,
  CodeReply,
  CommunityParams,
  EmbedConfigReply,
  EmbedSessionReply,
  EmbedSettingsBody,
  EmbedSettingsReply,
  SsoSessionBody,
  ThreadPostBody,
  ThreadPostReply,
  ThreadQuery,
  ThreadReply,
  embedErrors,
} from './embed.schema.js';
import { embedConfig, postToThread, readThread, setEmbedCategory } from './embed.service.js';
import { exchangeCode, issueCode, ssoSignIn } from './embed.signin.js';

const originRule =
  "Only for pages on one of the community's `embed.allowedOrigins` (else 403 `origin_not_allowed`); a URL that is not absolute http(s) is 400 `invalid_url`. " +
  'URLs are canonicalised so one page is one thread: scheme and host lower-cased, default port, user info and fragment dropped, tracking parameters ' +
  '(`utm_*`, `fbclid`, `gclid`, `mc_cid`, `mc_eid`, `ref`, … see server/embed/embed.url.ts) dropped, other query parameters sorted, ' +
  'the path decoded and re-encoded one way, trailing slashes dropped (the root is `/`).';

/** The embed widget's API: threads keyed by host-page URL, and two ways to sign in without third-party cookies. */
export const embedRoutes: FastifyPluginAsyncTypebox<{ config: Config; ctx: ServiceContext; sessions: SessionStore }> = async (
  app,
  { config, ctx, sessions },
) => {
  const tags = ['embed'];
  const { db } = ctx;
  const write = writeRateLimit(config);

  app.get(
    '/api/embed/:community/config',
    {
      schema: {
        tags,
        summary: 'What the embed needs to render: community name and accent, allowed origins, whether SSO is set up',
        params: CommunityParams,
        response: { 200: EmbedConfigReply, ...embedErrors },
      },
    },
    async (request) => embedConfig(db, request.params.community),
  );

  app.get(
    '/api/embed/:community/thread',
    {
      schema: {
        tags,
        summary: 'The thread of a host page (`?url=`) or of a topic (`?topic=`); never creates anything',
        description:
          `${originRule}\n\nBy URL: \`topic: null, posts: []\` while nobody has posted on that page — and also when its topic is hidden from this viewer ` +
          '(the two cannot be told apart). By topic id: the topic must belong to this community; a missing or hidden topic is 404 `topic_not_found`, as on GET /api/topics/:id. ' +
          'Paging (`after`/`cursor`, `limit`) and rendering (tombstones for hidden posts, `solution`, `pinnedPosts`) are those of GET /api/topics/:id.',
        params: CommunityParams,
        querystring: ThreadQuery,
        response: { 200: ThreadReply, ...embedErrors },
      },
    },
    async (request) => readThread(db, request.viewer, request.params.community, request.query, siteOrigin(config, request)),
  );

  app.post(
    '/api/embed/:community/thread/posts',
    {
      schema: {
        tags,
        summary: 'Comment on a host page (signed in: bearer or cookie)',
        description:
          `${originRule}\n\nThe first post on a page creates its topic (titled from \`title\`, or the page path when that is under 3 characters) ` +
          'in the community\'s embed category (`PATCH /api/embed/{community}/settings`; default: a "comments" category created on first need); ' +
          'two first posts at once still make one topic. Later posts are replies with every rule of POST /api/topics/:id/posts ' +
          '(limits, bans, locks, held first posts, live events). A page whose topic is hidden from the poster answers 404 `topic_not_found`. ' +
          'With `clientId`, sending again returns the first post (200). For an embed shown by topic id, reply with POST /api/topics/:id/posts.',
        params: CommunityParams,
        body: ThreadPostBody,
        response: { 200: ThreadPostReply, 201: ThreadPostReply, ...embedErrors },
        security: [{ bearer: [] }, { session: [] }],
      },
      config: write,
    },
    async (request, reply) => {
      const { created, topic, post } = await postToThread(ctx, request.viewer, request.params.community, request.body);
      return reply.status(created ? 201 : 200).send({ topic, post });
    },
  );

  app.post(
    '/api/embed/:community/session',
    {
      schema: {
        tags,
        summary: "Sign in with the organisation's SSO token; answers a bearer token",
        description:
          "The token is an HS256 JWT signed with the community's SSO secret (its UTF-8 bytes are the key): " +
          '`{sub, name?, email?, avatarUrl?, aud: "<community slug>", iat, exp, jti?}`. Only HS256; `aud` must be the slug; `exp` must be in the future and at most ' +
          '10 minutes after `iat`; `iat` at most 60 s ahead of our clock. A token with a `jti` is accepted once. Every failure — and a community without ' +
          'an SSO secret — is 401 `invalid_sso_token`. The same `sub` is always the same account (made on first sight, name and avatar refreshed later; ' +
          'the email is not stored). The answer\'s `token` is a bearer token for the API and the live socket (`{type:"auth", token}`).',
        params: CommunityParams,
        body: SsoSessionBody,
        response: { 200: EmbedSessionReply, ...embedErrors },
      },
      config: write,
    },
    async (request) => ssoSignIn(db, sessions, request.params.community, request.body.token),
  );

  app.post(
    '/api/embed/:community/code',
    {
      schema: {
        tags,
        summary: 'A one-time code that carries this forum session into the embed (signed in)',
        description:
          "Asked for by the sign-in popup on the forum's own origin (cookie session; the Origin rule applies) and handed to the iframe by postMessage. " +
          'Valid 60 seconds, for this community, exchangeable once. Never put it in a URL.',
        params: CommunityParams,
        response: { 201: CodeReply, ...embedErrors },
        security: [{ session: [] }, { bearer: [] }],
      },
      config: write,
    },
    async (request, reply) => reply.status(201).send(await issueCode(db, request.viewer, request.params.community)),
  );

  app.post(
    '/api/embed/:community/code/exchange',
    {
      schema: {
        tags,
        summary: 'Exchange a one-time code for a bearer token (once)',
        description: "Unknown, used, expired or another community's code: 401 `invalid_code`.",
        params: CommunityParams,
        body: CodeExchangeBody,
        response: { 200: EmbedSessionReply, ...embedErrors },
      },
      config: write,
    },
    async (request) => exchangeCode(db, sessions, request.params.community, request.body.code),
  );

  app.patch(
    '/api/embed/:community/settings',
    {
      schema: {
        tags,
        summary: 'Choose the category for topics the embed creates (admins)',
        description:
          'An unknown category: `404 category_not_found`. ' +
          'Allowed origins and the SSO secret are set through PATCH /api/communities/:slug and POST /api/communities/:slug/sso-secret.',
        params: CommunityParams,
        body: EmbedSettingsBody,
        response: { 200: EmbedSettingsReply, ...embedErrors },
      },
      config: write,
    },
    async (request) => setEmbedCategory(db, request.viewer, request.params.community, request.body.categorySlug),
  );
};
