import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { openDatabase, type Database } from '../db/client.js';
import type { Config } from './config/config.js';
import { errorsPlugin, sendError } from './errors/errors.plugin.js';
import { compressionPlugin } from './compression/compression.plugin.js';
import { lazySerializers, type LazySerializers } from './schemas/lazy-serializers.js';
import { securityPlugin } from './security/security.plugin.js';
import { lazyValidators, type LazyValidators } from './security/validation.js';
import { docsPlugin } from './docs/docs.plugin.js';
import { authPlugin } from './auth/auth.plugin.js';
import { createSessionStore } from './auth/session.js';
import { authRoutes } from './auth/auth.routes.js';
import { accountRoutes } from './accounts/accounts.routes.js';
import { startAccountJobs } from './accounts/accounts.jobs.js';
import { noReferrerPlugin } from './accounts/no-referrer.plugin.js';
import { userRoutes } from './users/users.routes.js';
import { communityRoutes } from './communities/communities.routes.js';
import { topicRoutes } from './topics/topics.routes.js';
import { postRoutes } from './posts/posts.routes.js';
import { searchRoutes } from './search/search.routes.js';
import { insightsSearchRoutes } from './insights/searches.routes.js';
import { moderationRoutes } from './moderation/moderation.routes.js';
import { calmRoutes } from './safety/calm/calm.routes.js';
import { startTopicTimers } from './safety/calm/topic-timers.js';
import { inboxRoutes } from './inbox/inbox.routes.js';
import { InboxSignals } from './inbox/inbox.signals.js';
import { markdownRoutes } from './markdown/markdown.routes.js';
import { webPlugin } from './web/web.plugin.js';
import { embedRoutes } from './embed/embed.routes.js';
import { embedPages } from './embed/embed.pages.js';
import { TopicPageCache, type TopicJsonCache } from './topics/topic-page.cache.js';
import { TopicListCache } from './topics/topic-list.cache.js';
import type { KeptList } from './topics/topic-list-overlay.js';
import { loadWebBuild, type PageRenderer, type WebBuild } from './pages/page-renderer.js';
import { createPageServer } from './pages/pages.plugin.js';
import type { Bus } from './live/bus.js';
import { createEmbeddedBus } from './live/bus.embedded.js';
import { createPostgresBus } from './live/bus.postgres.js';
import type { ServiceContext } from './write/unit-of-work.js';
import { seedDemoIfEmpty } from './seed/demo.seed.js';
import { pruneNotifications, pruneSearchTerms, scheduleMaintenance } from './maintenance/maintenance.js';
import { SearchTermCounter } from './search/search.terms.js';
import { livePlugin } from './live/live.plugin.js';
import { BumpBatcher } from './live/bump-batcher.js';
import { ideaRoutes } from './ideas/ideas.routes.js';
import { readRoutes } from './reads/reads.routes.js';
import { reputationRoutes } from './reputation/reputation.routes.js';
import { insightsRoutes } from './insights/insights.routes.js';
import { refreshInsightMembers } from './insights/insights.maintenance.js';
import { notificationRoutes } from './notifications/notifications.routes.js';
import { runQuestionReminders } from './notifications/reminders.js';
import { catalogueTranslator, type Translator } from './i18n/translator.js';
import { createErrorMessages, type ErrorMessages } from './i18n/error-messages.js';
import { i18nPlugin } from './i18n/i18n.plugin.js';
import { robotsRoutes } from './pages/robots.routes.js';
import { sitemapRoutes } from './pages/sitemap.routes.js';
import { feedRoutes } from './feeds/feeds.routes.js';
import { indexNowPlugin } from './pages/indexnow.plugin.js';
import { startJobQueue } from './jobs/job-queue.js';
import { createMailSystem } from './mail/mail.system.js';
import { mailboxRoutes } from './mail/mailbox.routes.js';
import { spamRoutes } from './safety/spam/spam.routes.js';
import { watchedWordRoutes } from './safety/watched-words/watched-words.routes.js';
import { pruneSpentChallenges } from './safety/spam/signup-challenge.js';
import { notificationMail } from './mail/notify/notify.jobs.js';
import { preferencesRoutes } from './mail/preferences.routes.js';
import { unsubscribeRoutes } from './mail/unsubscribe.routes.js';
import { pruneUnsubscribeTokens } from './mail/unsubscribe.service.js';
import { activityPlugin } from './activity/activity.plugin.js';
import { inboundMailPlugin } from './mail/inbound/inbound.plugin.js';
import { startDigests } from './mail/digest/digest.round.js';
import { startWeeklySummaries } from './mail/summary/summary.round.js';
import { ignoreRoutes } from './safety/boundaries/ignores.routes.js';
import { dataRightsRoutes } from './safety/data-rights/data-rights.routes.js';
import { openBlobStore } from './uploads/storage/open-store.js';
import type { BlobStore } from './uploads/storage/blob-store.js';
import { uploadRoutes } from './uploads/uploads.routes.js';
import { pruneUploads } from './uploads/uploads.maintenance.js';
import { healthRoutes } from './ops/health.routes.js';
import { metricsPlugin } from './ops/metrics.plugin.js';
import { REQUEST_ID_HEADER, requestId, requestIds } from './ops/request-context.js';

declare module 'fastify' {
  interface FastifyInstance {
    parley: {
      config: Config;
      database: Database;
      bus: Bus;
      ctx: ServiceContext;
      /** The one translator of this app (catalogues compiled once): error messages, pages, mails. */
      translator: Translator;
      errorMessages: ErrorMessages;
      /** Anonymous counts of search terms, written in batches (tests flush them). */
      searchTerms: SearchTermCounter;
      /** Response serialisers not compiled until first used (server/schemas/lazy-serializers.ts). */
      serializers: LazySerializers;
      /** Request validators, likewise (server/security/validation.ts). */
      validators: LazyValidators;
      /** Where uploaded files' bytes are kept (server/uploads/storage), opened once per app. */
      blobStore: BlobStore;
    };
  }
}

export const BODY_LIMIT = 256 * 1024;

/**
 * A request as logged, without the secrets some URLs carry (reset and verification tokens in the
 * query, unsubscribe tokens in the path): a log shipped elsewhere must not open accounts.
 */
export const redactUrl = (url: string): string =>
  url.replace(/([?&]token=)[^&#]*/g, '$1[redacted]').replace(/^(\/api\/unsubscribe\/|\/unsubscribe\/)[^/?#]+/, '$1[redacted]');

const requestForLog = (req: { method: string; url: string; hostname?: string; ip?: string }) => ({
  method: req.method,
  url: redactUrl(req.url),
  host: req.hostname,
  remoteAddress: req.ip,
});

/** What a caller may bring instead of what buildApp would load. */
export interface AppParts {
  /**
   * The rendered pages' renderer and template. By default the built web app's (`webDir` and
   * dist/server); tests bring the source's (web/src/entry-server.ts compiled by Vite).
   */
  pages?: { renderer: PageRenderer | null; build: WebBuild | null };
  /** Told every statement the app runs through drizzle, with its parameters (tests count the queries of a path, or EXPLAIN them). */
  onStatement?: (sql: string, params: unknown[]) => void;
  /** An embedded in-memory database starts from this migrated copy (tests: see db/client.ts). */
  embeddedTemplate?: Blob;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: { write(line: string): void };
}

/** Builds the whole application without listening: main.ts, tests and the benchmark share it. */
export async function buildApp(config: Config, parts: AppParts = {}): Promise<FastifyInstance> {
  const translator = catalogueTranslator();
  const errorMessages = createErrorMessages(translator);
  const serializers = lazySerializers();
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : { level: config.logLevel, serializers: { req: requestForLog }, ...(parts.logStream ? { stream: parts.logStream } : {}) },
    // An X-Request-Id from the proxy (or a client) names the request in every log line, if sane.
    genReqId: requestId,
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    schemaController: { compilersFactory: { buildSerializer: serializers.factory } },
    // Bad URLs are refused before routing, where setErrorHandler does not reach: same error shape anyway.
    frameworkErrors: (error, request, reply) => {
      void reply.header(REQUEST_ID_HEADER, request.id);
      // sendError sends the reply; what it returns (the reply, which is promise-like) is not ours to wait for.
      void sendError(error, request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const validators = lazyValidators();
  app.setValidatorCompiler(validators.compiler);
  requestIds(app, { commitLog: config.logLevel === 'debug' || config.logLevel === 'trace' });
  closeConnectionsWhenDone(app);

  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onStatement: parts.onStatement,
    embeddedTemplate: parts.embeddedTemplate,
    notifyInTransactions: !config.busUrl,
  });
  // The NATS client is loaded only for a NATS bus: a process on LISTEN/NOTIFY does not carry it.
  const sharedBus = config.busUrl
    ? await (await import('./live/bus.nats.js')).createNatsBus({ url: config.busUrl, connectionString: database.connectionString!, log: app.log })
    : database.driver === 'postgres'
      ? await createPostgresBus(database.connectionString!, app.log)
      : await createEmbeddedBus(database);
  // Every write announces what it committed through publishLocal: the inbox hears its communities' changes there (server/inbox/inbox.signals.ts).
  const inboxSignals = new InboxSignals({ db: database.db, bus: sharedBus }, app.log);
  const bus = inboxSignals.listen(sharedBus);
  const bumps = new BumpBatcher({ db: database.db, bus }, app.log);
  const blobStore = await openBlobStore(config.uploads, config.dataDir);
  const jobs = await startJobQueue(database, app.log, { pollingIntervalSeconds: config.jobs.pollingIntervalSeconds });
  const mail = createMailSystem(config, database.db, jobs, translator, app.log);
  const ctx: ServiceContext = {
    db: database.db,
    bus,
    bumps,
    log: app.log,
    postingLimits: { enabled: config.rateLimits },
    uploads: { maxPerPost: config.uploads.maxPerPost },
    translator,
    mail: mail.mailer,
    jobs,
  };
  const notifyByMail = notificationMail(ctx, config.mail);
  // Before anything can notify (the demo seed does): notifications send their mail jobs to these queues.
  await notifyByMail.define();
  const pageCache: TopicJsonCache = new TopicPageCache(config.pageCacheSize, bus);
  // Guests' rendered topic pages, beside (not instead of) their JSON.
  const htmlCache = new TopicPageCache(config.pageCacheSize, bus);
  const listCache = new TopicListCache<KeptList>(config.pageCacheSize, config.listCacheSeconds * 1000, bus);
  const stopListBumps = bumps.onBump((slug) => listCache.invalidate(slug));
  const sessions = createSessionStore(database.db, config.sessionTtlDays, { bus, cacheSeconds: config.sessionCacheSeconds });
  const searchTerms = new SearchTermCounter(database.db, app.log, config.searchTerms.enabled);
  app.decorate('parley', { config, database, bus, ctx, translator, errorMessages, searchTerms, serializers, validators, blobStore });
  const stopMaintenance = scheduleMaintenance(database.db, sessions, config.live, app.log, {
    jobs: [
      { name: 'question reminders', run: () => runQuestionReminders(ctx, config.reminders) },
      { name: 'unsubscribe tokens', run: () => pruneUnsubscribeTokens(database.db) },
      { name: 'notification pruning', run: () => pruneNotifications(database.db, config.notifications) },
      { name: 'insight members', run: () => refreshInsightMembers(database.db) },
      { name: 'search term pruning', run: () => pruneSearchTerms(database.db, config.searchTerms.keepDays) },
      { name: 'spent sign-up challenges', run: () => pruneSpentChallenges(database.db) },
      { name: 'upload pruning', run: () => pruneUploads(database.db, blobStore) },
    ],
  });
  app.addHook('onClose', async () => {
    // Jobs first: a mail being sent finishes, and nothing new starts, before the database closes.
    await jobs.stop();
    mail.close();
    await stopMaintenance();
    await blobStore.close?.();
    await searchTerms.close();
    await bumps.close();
    await inboxSignals.close();
    pageCache.close();
    htmlCache.close();
    stopListBumps();
    listCache.close();
    sessions.close();
    await bus.close();
    await database.close();
  });

  if (database.driver === 'pglite' && config.seedDemo) await seedDemoIfEmpty(ctx, app.log);

  // Before every route: its hook times them all.
  await app.register(metricsPlugin, { config, database, bus });
  // First: it compresses the answers of the routes added after it.
  await app.register(compressionPlugin);
  await app.register(i18nPlugin, { translator, db: database.db });
  await app.register(errorsPlugin);
  await app.register(docsPlugin);
  await app.register(securityPlugin, { config });
  await app.register(authPlugin, { config, sessions });
  await app.register(activityPlugin, { db: database.db });

  await app.register(healthRoutes, { database, bus });
  await app.register(authRoutes, { config, db: database.db, ctx, sessions, translator });
  await app.register(accountRoutes, { config, ctx });
  await app.register(dataRightsRoutes, { config, ctx });
  await app.register(userRoutes, { db: database.db });
  await app.register(communityRoutes, { config, ctx });
  await app.register(topicRoutes, { config, ctx, pageCache, listCache });
  await app.register(postRoutes, { config, ctx });
  await app.register(ideaRoutes, { config, ctx });
  await app.register(readRoutes, { ctx });
  await app.register(reputationRoutes, { db: database.db, helpersCacheSeconds: config.helpersCacheSeconds });
  await app.register(insightsRoutes, { db: database.db });
  await app.register(searchRoutes, { ctx, config, terms: searchTerms });
  await app.register(insightsSearchRoutes, { config, db: database.db });
  await app.register(moderationRoutes, { config, ctx });
  await app.register(watchedWordRoutes, { config, ctx });
  await app.register(calmRoutes, { config, ctx });
  await app.register(inboxRoutes, { config, ctx });
  await app.register(notificationRoutes, { config, ctx });
  await app.register(ignoreRoutes, { config, db: database.db });
  await app.register(markdownRoutes, { config });
  await app.register(embedRoutes, { config, ctx, sessions });
  await app.register(embedPages, { db: database.db, webDir: config.webDir });
  await app.register(livePlugin, { config, db: database.db, bus, sessions, translator, errorMessages });
  await app.register(robotsRoutes, { config });
  await app.register(sitemapRoutes, { config, db: database.db });
  await app.register(feedRoutes, { config, db: database.db, translator });
  await app.register(indexNowPlugin, { config, db: database.db, bus });
  const web = parts.pages ?? (await loadWebBuild(config.webDir));
  const pages =
    web.renderer && web.build
      ? createPageServer(app, { config, db: database.db, translator, renderer: web.renderer, build: web.build, cache: htmlCache, bus })
      : null;
  await app.register(mailboxRoutes, { db: database.db });
  await app.register(spamRoutes, { config, ctx });
  await app.register(preferencesRoutes, { config, db: database.db, translator });
  await app.register(unsubscribeRoutes, { db: database.db, translator });
  // Replies by e-mail and bounces: the HTTP hook, and the SMTP listener when a port is configured.
  await app.register(inboundMailPlugin, { config, ctx, errorMessages });
  await app.register(uploadRoutes, { config, db: database.db, store: blobStore });
  await app.register(noReferrerPlugin);
  await app.register(webPlugin, { webDir: config.webDir, servePage: pages?.serve });
  // Workers start last: a job waiting from before a restart may need everything above.
  await mail.start();
  await notifyByMail.start();
  await startDigests(ctx, { bounceThreshold: config.mail.bounceThreshold });
  await startWeeklySummaries(ctx, { bounceThreshold: config.mail.bounceThreshold, searchTerms: config.searchTerms.enabled });
  await startAccountJobs(ctx);
  await startTopicTimers(ctx);
  return app;
}

/**
 * Stopping waits for the requests under way, and then for every connection to close. A proxy's
 * keep-alive connection whose request finished after the stop began would stay open (nginx keeps
 * them a minute): such answers say `Connection: close`. A socket taken over by an upgrade (a live
 * reader, or one refused while stopping) is no longer the HTTP server's to end, yet the server
 * waits for it: whatever is still open a few seconds into the stop is cut, so the process ends.
 */
function closeConnectionsWhenDone(app: FastifyInstance): void {
  let closing = false;
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  app.addHook('preClose', (done) => {
    closing = true;
    setTimeout(() => sockets.forEach((socket) => socket.destroy()), STOP_GRACE_MS).unref();
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
}

/** How long a stopping process lets its requests finish before it cuts their connections. */
const STOP_GRACE_MS = 5000;
