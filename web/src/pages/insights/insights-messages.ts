/**
 * The insights page's words (`insights.*`) are a chunk of their own, loaded with the page: few
 * readers open it, and the app's first load stays as it was. Awaited here, at the top of the
 * module, so that the page renders once they are in.
 */
import messages from 'virtual:parley-i18n/insights';
import { addMessages } from '../../lib/page-messages';

await addMessages(messages);
