/**
 * The account pages' words (`account.*`: settings, e-mail, boundaries, your data, unsubscribing)
 * are a chunk of their own, loaded with those pages rather than with the forum's first load.
 * Awaited here, at the top of the module, so a page renders once they are in.
 */
import messages from 'virtual:parley-i18n/account';
import { addMessages } from '../../lib/page-messages';

await addMessages(messages);
