/**
 * The URL the server is rendering. The server renders one page at a time, synchronously
 * (svelte/server's `render`), so the location is set just before a render and read during it:
 * no two requests can see each other's.
 */
export interface ServerLocation {
  pathname: string;
  search: string;
  params: Record<string, string>;
  /** The page component the route resolved to (lazy routes are resolved before the render). */
  component: unknown;
}

let current: ServerLocation = { pathname: '/', search: '', params: {}, component: undefined };

export function setServerLocation(location: ServerLocation): void {
  current = location;
}

export function serverLocation(): ServerLocation {
  return current;
}
