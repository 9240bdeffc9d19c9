/**
 * The mail's bytes built at once (lib/adapters/smtp/build-at-once.ts) are nodemailer's own
 * `build()` bytes, for every mail composeMail makes: ASCII, accented and CJK text (quoted-printable
 * or base64, as nodemailer picks), long lines, trailing spaces, `=` signs, lone LFs, encoded
 * subjects and display names, threading headers and the route header.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import MailComposer from 'nodemailer/lib/mail-composer';
import { buildAtOnce } from '../../lib/adapters/smtp/build-at-once';
import { type ComposeInput, compileMail, composeMail } from '../../lib/adapters/smtp/compose';
import { nodemailerParts } from '../../lib/adapters/smtp/nodemailer-loader';
import { renderAlertMail } from '../../lib/domain/mail/render';
import { hundredAlerts, MAIL_NOW, mailSets } from '../fixtures/mail-sets';

const DATE = new Date('2026-11-24T13:29:00Z');

function input(overrides: Partial<ComposeInput> = {}): ComposeInput {
  return {
    from: 'alertmail <alerts@example.com>',
    to: ['oncall@example.com'],
    subject: '[FIRING:1] DiskFull (prod, critical)',
    text: 'Disk is full.\r\n',
    html: '<p>Disk is full.</p>',
    date: DATE,
    messageId: '<abc123@example.com>',
    ...overrides,
  };
}

/** Both builds of the very same tree: at once, then nodemailer's stream pipeline. */
async function bothBuilds(mail: ComposeInput): Promise<{ atOnce: string | undefined; streamed: string }> {
  const { node } = await compileMail(mail);
  const { qp, base64 } = await nodemailerParts();
  const atOnce = buildAtOnce(node, { qp, base64 })?.toString('latin1');
  const streamed = (await node.build()).toString('latin1');
  return { atOnce, streamed };
}

/** Text with what makes encoders differ: non-ASCII, `=`, tabs and spaces at line ends, long lines, lone LF and CR. */
const awkwardText = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom(
        '=',
        '=3D',
        ' ',
        '\t',
        ' \r\n',
        '\t\n',
        '\n',
        '\r',
        '\r\n',
        '.',
        '\r\n.\r\n',
        'é',
        'ü',
        '告警',
        '🔥',
      ),
      fc.string({ minLength: 70, maxLength: 200 }),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

describe('the mail built at once', () => {
  it('is nodemailer build() byte for byte, whatever the text, subject and names', async () => {
    await fc.assert(
      fc.asyncProperty(
        awkwardText,
        awkwardText,
        fc.string({ unit: 'grapheme', maxLength: 120 }),
        // A display name without address specials (with them it is no address: composeMail refuses it).
        fc.string({ unit: 'grapheme', maxLength: 30 }).map((name) => name.replace(/[()<>[\]:;@\\,."]/g, '')),
        fc.option(fc.constantFrom('default', 'ops', 'db-team'), { nil: undefined }),
        async (text, html, subject, name, route) => {
          const mail = input({ text, html, subject, from: `${name} <alerts@example.com>`, route });
          const { atOnce, streamed } = await bothBuilds(mail);
          // A text empty: nodemailer makes a single part, which is left to build(); else built at once.
          if (text === '' || html === '') expect(atOnce === undefined || atOnce === streamed).toBe(true);
          else expect(atOnce).toBe(streamed);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is build() for the shipped mails: every fixture set, and a hundred alerts in one mail', async () => {
    const sets = [...mailSets().map((set) => set.alerts), hundredAlerts()];
    for (const alerts of sets) {
      for (const kind of ['firing', 'resolved'] as const) {
        const rendered = renderAlertMail(kind, alerts, MAIL_NOW, { consoleUrl: 'https://alertmail.example.com/' });
        const { atOnce, streamed } = await bothBuilds(
          input({
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            inReplyTo: '<alert-1@example.com>',
            references: ['<alert-1@example.com>', '<alert-2@example.com>'],
            route: 'default',
          }),
        );
        expect(atOnce).toBe(streamed);
      }
    }
  });

  it('picks base64 where nodemailer does (mostly non-Latin text), and quoted-printable otherwise', async () => {
    const cjk = await bothBuilds(input({ text: '磁盘已满。'.repeat(40), html: '<p>磁盘已满</p>' }));
    expect(cjk.atOnce).toBe(cjk.streamed);
    expect(cjk.streamed).toContain('Content-Transfer-Encoding: base64');
    const latin = await bothBuilds(input({ text: 'Disque plein à 99 %.\r\n' }));
    expect(latin.atOnce).toBe(latin.streamed);
    expect(latin.streamed).toContain('Content-Transfer-Encoding: quoted-printable');
  });

  it('declines a part whose content is a stream (build() reads it), and agrees on parts held as strings', async () => {
    const { qp, base64 } = await nodemailerParts();
    const streamed = new MailComposer({
      from: 'alerts@example.com',
      to: 'oncall@example.com',
      text: 'see attached',
      attachments: [{ filename: 'a.txt', content: Readable.from(['attached']) }],
    }).compile();
    expect(buildAtOnce(streamed, { qp, base64 })).toBeUndefined();
    const held = new MailComposer({
      from: 'alerts@example.com',
      to: 'oncall@example.com',
      text: 'see attached',
      attachments: [{ filename: 'a.txt', content: 'attached' }],
      newline: 'win',
    }).compile();
    const atOnce = buildAtOnce(held, { qp, base64 })?.toString('latin1');
    expect(atOnce).toBe((await held.build()).toString('latin1'));
  });

  it('is what composeMail sends', async () => {
    const mail = input({ text: 'Disk is full = 100 %.\r\n', route: 'ops' });
    const composed = await composeMail(mail);
    const { streamed } = await bothBuilds(mail);
    // Only the boundary differs between two compositions: it is random per mail.
    const boundary = (text: string) => /boundary="([^"]+)"/.exec(text)?.[1] ?? '';
    const sent = composed.raw.toString('latin1');
    expect(sent.split(boundary(sent)).join('B')).toBe(streamed.split(boundary(streamed)).join('B'));
  });
});
