import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

export interface LazySerializers {
  factory: SerializerFactory;
  /**
   * Compiles every serialiser still waiting, as Fastify would have at start; the count compiled.
   * For the tests: a response schema that cannot be compiled still fails the suite, not a reader.
   */
  compilePending(): number;
}

/**
 * Response serialisers compiled the first time a route answers with that status, not at start.
 * Fastify compiles one per route and status up front, a generated function each: about 5 MB of
 * heap, most of it for routes and error shapes a process may never send. Once compiled, a
 * serialiser is kept: each is still compiled once, only later (its first answer waits for it).
 * One set per app: the waiting ones belong to it and go with it.
 */
export function lazySerializers(): LazySerializers {
  /** Every serialiser not compiled yet, each a function that compiles it (and leaves the set). */
  const pending = new Set<() => unknown>();
  const factory: SerializerFactory = (externalSchemas, options) => {
    const compile = SerializerSelector()(externalSchemas, options);
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      const ensure = () => {
        if (!serialize) {
          serialize = compile(route);
          pending.delete(ensure);
        }
        return serialize;
      };
      pending.add(ensure);
      return (doc) => ensure()(doc);
    };
  };
  return {
    factory,
    compilePending() {
      const waiting = [...pending];
      for (const ensure of waiting) ensure();
      return waiting.length;
    },
  };
}
