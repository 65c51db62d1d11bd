// Explicit .js extensions: the tests run this file under Node's module resolution.
import type { Notification } from '../../lib/api.js';
import { plural } from '../../lib/format.js';
import { IDEA_STATUS } from '../../lib/ideas.js';

/**
 * What a notification says, in three parts so that the page can set the topic's title apart:
 * `before` + `title` + `after` read as one sentence ("@ann replied in " “Lamp flickers” "").
 * Everything here is plain text: the page shows it as text, never as HTML.
 */
export interface NotificationSentence {
  before: string;
  title: string;
  after: string;
}

export function notificationSentence(n: Notification): NotificationSentence {
  const who = n.actor ? `@${n.actor.handle}` : n.kind === 'moderation' ? 'A moderator' : 'Someone';
  const title = n.topic?.title ?? n.community.name;
  const say = (before: string, after = ''): NotificationSentence => ({ before, title, after });
  switch (n.kind) {
    case 'reply':
      return n.count > 1 ? say(`${plural(n.count, 'new reply', 'new replies')} in `) : say(`${who} replied in `);
    case 'mention':
      return say(`${who} mentioned you in `);
    case 'solution':
      return say(`${who} accepted your answer in `);
    case 'new_topic':
      return say(`${who} started `, ` in ${n.community.name}`);
    case 'idea_status': {
      // The status is the text stored with the notification (a string): one without a label goes unnamed.
      const status = n.data.status ? (IDEA_STATUS as Partial<Record<string, { label: string }>>)[n.data.status]?.label : undefined;
      const note = n.data.note ? ` — ${n.data.note}` : '';
      return say('', status ? ` is now ${status}${note}` : ` has a new status${note}`);
    }
    case 'moderation': {
      const reason = n.data.reason ? `: ${n.data.reason}` : '';
      switch (n.data.action) {
        case 'hide_post':
          return say(`${who} hid your post in `, reason);
        case 'unhide_post':
          return say(`${who} restored your post in `);
        case 'hide_topic':
          return say(`${who} hid your topic `, reason);
        case 'unhide_topic':
          return say(`${who} restored your topic `);
        default:
          return say(`${who} moderated your post in `, reason);
      }
    }
    case 'reminder':
      return say('Did a reply answer your question ', '? Mark the answer.');
    default:
      return say('News in ');
  }
}
