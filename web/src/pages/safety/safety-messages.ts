/**
 * The safety pages' words (`safety.*`: watched words for moderators, the site admins' safety page)
 * are a chunk of their own, loaded with those pages: few readers open them, and the forum's first
 * load stays within its budget. Awaited here, at the top of the module, so a page renders once they are in.
 */
import messages from 'virtual:parley-i18n/safety';
import { addMessages } from '../../lib/page-messages';

await addMessages(messages);
