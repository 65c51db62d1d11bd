/**
 * The one layout of every mail: a plain-text part and an HTML part from the same blocks. The HTML
 * is tables and inline styles because that is what mail clients (Outlook's Word engine, Gmail's
 * style stripping) reliably render; post bodies come from the sanitiser, never raw.
 */
import type { Translator } from '../i18n/translator.js';
import { escapeHtml } from '../pages/head.js';
import type { MailBlock, MailDraft } from './mail.draft.js';

export interface RenderedMail {
  text: string;
  html: string;
}

export interface FooterLinks {
  /** The landing page of this mail's one-click unsubscribe; null for critical mail. */
  unsubscribeUrl: string | null;
  settingsUrl: string;
}

const FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const RTL = new Set(['ar', 'he', 'fa', 'ur', 'ar-XB']);

export function renderMail(draft: MailDraft, links: FooterLinks, translator: Translator): RenderedMail {
  const t = (key: string, params?: Record<string, unknown>) => translator.t(draft.locale, key, params);
  const footer: string[] = [];
  if (draft.reason) footer.push(draft.reason);

  const text = [
    ...draft.blocks.map(blockText),
    '-- ',
    ...footer,
    ...(links.unsubscribeUrl ? [`${t('mail.footer.unsubscribe')}: ${links.unsubscribeUrl}`] : []),
    `${t('mail.footer.settings')}: ${links.settingsUrl}`,
  ].join('\n\n');

  const footerHtml = [
    ...footer.map((line) => `<p style="margin:0 0 8px">${escapeHtml(line)}</p>`),
    `<p style="margin:0">${[
      links.unsubscribeUrl ? link(links.unsubscribeUrl, t('mail.footer.unsubscribe'), '#6b7280') : null,
      link(links.settingsUrl, t('mail.footer.settings'), '#6b7280'),
    ]
      .filter(Boolean)
      .join(' · ')}</p>`,
  ].join('');

  const dir = RTL.has(draft.locale) || RTL.has(draft.locale.split('-')[0]!) ? 'rtl' : 'ltr';
  const html = `<!doctype html>
<html lang="${escapeHtml(draft.locale)}" dir="${dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light"><title>${escapeHtml(draft.subject)}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6">
${draft.preheader ? `<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(draft.preheader)}</div>` : ''}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px;font-family:${FONT};font-size:16px;line-height:1.5;color:#111827">
<tr><td style="padding:24px">
${draft.blocks.map(blockHtml).join('\n')}
</td></tr>
<tr><td style="padding:16px 24px;border-top:1px solid #e5e7eb;font-size:13px;color:#6b7280">${footerHtml}</td></tr>
</table>
</td></tr></table>
</body>
</html>`;
  return { text, html };
}

const link = (url: string, label: string, color = '#1d4ed8') =>
  `<a href="${escapeHtml(url)}" style="color:${color};text-decoration:underline">${escapeHtml(label)}</a>`;

function blockText(block: MailBlock): string {
  switch (block.type) {
    case 'heading':
      return block.text;
    case 'paragraph':
      return block.text;
    case 'action':
      return `${block.label}: ${block.url}`;
    case 'code':
      return `    ${block.text}`;
    case 'post':
      return `${block.author} · ${block.meta}\n${block.text.trim()}\n${block.url}`;
    case 'list':
      return block.items.map((item) => `- ${item.text}${item.detail ? ` (${item.detail})` : ''}${item.url ? `\n  ${item.url}` : ''}`).join('\n');
    case 'divider':
      return '----';
  }
}

function blockHtml(block: MailBlock): string {
  switch (block.type) {
    case 'heading':
      return `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3">${escapeHtml(block.text)}</h1>`;
    case 'paragraph':
      return `<p style="margin:0 0 16px">${escapeHtml(block.text)}</p>`;
    case 'action':
      return `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 24px"><tr><td style="border-radius:6px;background:#1d4ed8"><a href="${escapeHtml(block.url)}" style="display:inline-block;padding:12px 20px;color:#ffffff;font-weight:600;text-decoration:none">${escapeHtml(block.label)}</a></td></tr></table>`;
    case 'code':
      return `<p style="margin:0 0 16px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:28px;letter-spacing:4px;font-weight:700">${escapeHtml(block.text)}</p>`;
    case 'post':
      return `<div style="margin:0 0 16px;padding:12px 16px;border-left:3px solid #d1d5db;background:#f9fafb">
<p style="margin:0 0 8px;font-size:14px;color:#4b5563"><strong style="color:#111827">${escapeHtml(block.author)}</strong> · ${link(block.url, block.meta, '#4b5563')}</p>
<div style="overflow-wrap:anywhere">${block.html}</div>
</div>`;
    case 'list':
      return `<ul style="margin:0 0 16px;padding-inline-start:20px">${block.items
        .map(
          (item) =>
            `<li style="margin:0 0 8px">${item.url ? link(item.url, item.text) : escapeHtml(item.text)}${item.detail ? ` <span style="color:#6b7280">(${escapeHtml(item.detail)})</span>` : ''}</li>`,
        )
        .join('')}</ul>`;
    case 'divider':
      return '<hr style="border:0;border-top:1px solid #e5e7eb;margin:24px 0">';
  }
}
