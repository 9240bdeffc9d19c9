/**
 * The mail as a spam filter sees it: Debian's SpamAssassin (installed by .ci/run) scores every
 * captured payload's mail, composed exactly as it is sent, with its local rules only (no network
 * lookups). Each must stay at most 1.0 (the filter's own threshold is 5.0).
 */
import { execFile } from 'node:child_process';
import { composeMail, newMessageId, threadHeaders } from '../../lib/adapters/smtp/compose';
import { renderAlertMail } from '../../lib/domain/mail/render';
import { MAIL_NOW, mailSets } from '../fixtures/mail-sets';

const MAX_SCORE = 1.0;

/** SpamAssassin's score of a raw message, and the rules that fired. */
function spamScore(raw: Buffer): Promise<{ score: number; rules: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('spamassassin', ['-t', '-L'], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error && !stdout)
        return reject(new Error(`spamassassin failed (is it installed? .ci/run installs it): ${error.message}`));
      const status = /^X-Spam-Status: \w+, score=(-?[\d.]+)[^\n]*(?:\n\s+[^\n]*)*/m.exec(stdout);
      if (!status?.[1]) return reject(new Error(`no X-Spam-Status in spamassassin's output: ${stdout.slice(0, 500)}`));
      resolve({ score: Number(status[1]), rules: status[0].replace(/\s+/g, ' ') });
    });
    child.stdin?.end(raw);
  });
}

describe('SpamAssassin', () => {
  it.each(mailSets().filter((set) => !set.name.startsWith('hundred')))(
    'scores the $name mail at most 1.0',
    async ({ kind, alerts }) => {
      const rendered = renderAlertMail(kind, alerts, MAIL_NOW);
      const thread = threadHeaders(alerts, 'example.com');
      const mail = await composeMail({
        from: 'alerts@example.com',
        to: ['oncall@example.com'],
        ...rendered,
        date: MAIL_NOW,
        messageId: newMessageId('example.com'),
        inReplyTo: thread.inReplyTo,
        references: thread.references,
      });

      const { score, rules } = await spamScore(mail.raw);

      expect({ score: score <= MAX_SCORE, rules }).toEqual({ score: true, rules });
    },
    60_000,
  );
});
