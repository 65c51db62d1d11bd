/**
 * The community settings' and the site mailbox's words (`admin.*`) are a chunk of their own,
 * loaded with those pages: only admins open them. Awaited here, at the top of the module, so no
 * sentence is made before they are in.
 */
import messages from 'virtual:parley-i18n/admin';
import { addMessages } from '../../lib/page-messages';

await addMessages(messages);
