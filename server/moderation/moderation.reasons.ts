/**
 * Reasons moderators pick from most of the time. The server lists them so every client offers
 * the same wording; the stored reason is always the text itself, canned or free.
 */
export const CANNED_REASONS = [
  { code: 'spam', label: 'Spam or advertising' },
  { code: 'off_topic', label: 'Off topic for this community' },
  { code: 'abusive', label: 'Abusive or disrespectful' },
  { code: 'personal_information', label: 'Shares personal information' },
  { code: 'misinformation', label: 'Misleading or unsafe advice' },
  { code: 'duplicate', label: 'Duplicate of another post' },
] as const;
