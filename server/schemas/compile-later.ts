/**
 * Compiled schema code made on first use, not at start: Fastify compiles a validator per route and
 * part and a serialiser per route and status up front, a generated function each, megabytes of heap
 * for routes a process may not be asked for in a while. Each is still compiled once, only later.
 * One set per app: what waits belongs to it.
 */
export interface CompileLater {
  /** A getter that compiles on its first call and keeps the result. */
  later<T>(compile: () => T): () => T;
  /**
   * Compiles everything still waiting, as Fastify would have at start; the count compiled. For the
   * tests: a schema that cannot be compiled still fails the suite, not a reader.
   */
  compilePending(): number;
}

export function compileLater(): CompileLater {
  const pending = new Set<() => unknown>();
  return {
    later<T>(compile: () => T): () => T {
      let compiled: { value: T } | undefined;
      const ensure = (): T => {
        if (!compiled) {
          compiled = { value: compile() };
          pending.delete(ensure);
        }
        return compiled.value;
      };
      pending.add(ensure);
      return ensure;
    },
    compilePending() {
      const waiting = [...pending];
      for (const ensure of waiting) ensure();
      return waiting.length;
    },
  };
}
