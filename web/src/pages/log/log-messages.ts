/**
 * The public moderation log's sentences (`log.*`) are a chunk of their own, loaded with the log
 * page: most readers never open it. Awaited here, at the top of the module, so no sentence is
 * made before they are in.
 */
import messages from 'virtual:parley-i18n/log';
import { addMessages } from '../../lib/page-messages';

await addMessages(messages);
