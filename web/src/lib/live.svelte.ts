/**
 * The app's live connection, and runes-friendly ways to use it. The socket opens with the first
 * subscriber and closes shortly after the last one (see LiveClient).
 */
import { untrack } from 'svelte';
import { createSubscriber } from 'svelte/reactivity';
import { LiveClient, type LiveHandlers, type LiveState } from './live';
import type { LiveChannelName } from './live-events';

/** The one live client of the app (same origin, session cookie). */
export const liveClient = new LiveClient();

const subscribeState = createSubscriber((update) => liveClient.onState(update));

/** The connection state, reactive (`liveState.current`). Reading it does not open the socket. */
export const liveState = {
  get current(): LiveState {
    subscribeState();
    return liveClient.state;
  },
};

/**
 * Listens to `channel()` while the calling component lives, following the channel when it
 * changes (null: none). Call during component initialisation.
 */
export function useLiveChannel(channel: () => LiveChannelName | null, handlers: LiveHandlers): void {
  $effect(() => {
    const name = channel();
    if (name === null) return;
    return untrack(() => liveClient.subscribe(name, handlers));
  });
}

/**
 * A channel's presence (readers, who is typing), reactive. The channel is subscribed while
 * something reads `readers` or `typing` in an effect or template, and left when nothing does.
 */
export class ChannelPresence {
  #readers = 0;
  #typing: string[] = [];
  readonly #subscribe: () => void;

  constructor(readonly channel: LiveChannelName) {
    this.#subscribe = createSubscriber((update) =>
      liveClient.subscribe(channel, {
        presence: (p) => {
          this.#readers = p.readers;
          this.#typing = p.typing;
          update();
        },
      }),
    );
  }

  get readers(): number {
    this.#subscribe();
    return this.#readers;
  }

  get typing(): readonly string[] {
    this.#subscribe();
    return this.#typing;
  }
}
