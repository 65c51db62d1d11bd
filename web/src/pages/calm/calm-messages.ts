/**
 * The words of the moderators' slow-mode and timers dialog (`calm.*`) are a chunk of their own,
 * loaded with the dialog: only moderators ever open it. Awaited here, at the top of the module,
 * so the dialog renders once they are in.
 */
import messages from 'virtual:parley-i18n/calm';
import { addMessages } from '../../lib/page-messages';

await addMessages(messages);
