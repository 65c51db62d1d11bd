/**
 * The pseudo-locales' letters (server/i18n/pseudo.ts), in a file without imports so the browser
 * can apply them too: to what Intl writes (dates, relative times), which no catalogue holds.
 */
const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ACCENTED = 'áƀçđéƒĝĥíĵķĺɱñóƥʠŕšŧúṽŵẋýžÁƁÇĐÉƑĜĤÍĴĶĹṀÑÓƤꝖŔŠŦÚṼŴẊÝŽ';
const ACCENT = new Map([...PLAIN].map((c, i) => [c, [...ACCENTED][i]!]));

/** Every ASCII letter swapped for an accented look-alike. */
export const accentLetters = (text: string): string => [...text].map((c) => ACCENT.get(c) ?? c).join('');
