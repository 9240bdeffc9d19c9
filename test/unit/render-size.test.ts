/**
 * The mail is no larger than it was before its layout was made to survive Outlook, Gmail,
 * Apple Mail and Yahoo: the bounds are the sizes the previous renderer produced for the same
 * alerts (commit 9a1c487). Every byte is sent per recipient chunk, and Gmail clips HTML over 102 KB.
 */
import { escapeHtml, renderAlertMail } from '../../lib/domain/mail/render';
import { silenceUrl } from '../../lib/domain/mail/silence-link';
import { MAIL_NOW, mailSets } from '../fixtures/mail-sets';

const CONSOLE_URL = 'https://alertmail.example/';

/**
 * What each alert's "Silence this" link (issue 18, only with a console URL) may add on top: its
 * URL (escaped in the HTML) and at most this much markup or wording around it.
 */
const SILENCE_LINK_HTML = 80;
const SILENCE_LINK_TEXT = 20;

/** Bytes (UTF-8) of the parts as the previous renderer made them. */
const PREVIOUS_SIZES = [
  { set: 'alertmanager-firing', consoleUrl: undefined, html: 6_860, text: 1_162 },
  { set: 'alertmanager-firing', consoleUrl: CONSOLE_URL, html: 6_996, text: 1_198 },
  { set: 'hundred-alerts', consoleUrl: undefined, html: 356_422, text: 57_723 },
  { set: 'hundred-alerts', consoleUrl: CONSOLE_URL, html: 356_558, text: 57_759 },
];

describe.each(PREVIOUS_SIZES)('the $set mail (console link: $consoleUrl)', ({ set, consoleUrl, html, text }) => {
  it(`is at most ${html} bytes of HTML and ${text} bytes of text`, () => {
    const { kind, alerts } = mailSets().find((s) => s.name === set) ?? { kind: 'firing' as const, alerts: [] };

    const mail = renderAlertMail(kind, alerts, MAIL_NOW, consoleUrl === undefined ? {} : { consoleUrl });
    const links = consoleUrl === undefined ? [] : alerts.map((a) => silenceUrl(consoleUrl, a.labels));
    const linksHtml = links.reduce((sum, url) => sum + Buffer.byteLength(escapeHtml(url)) + SILENCE_LINK_HTML, 0);
    const linksText = links.reduce((sum, url) => sum + Buffer.byteLength(url) + SILENCE_LINK_TEXT, 0);

    expect(Buffer.byteLength(mail.html)).toBeLessThanOrEqual(html + linksHtml);
    expect(Buffer.byteLength(mail.text)).toBeLessThanOrEqual(text + linksText);
  });
});
