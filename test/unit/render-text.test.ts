/**
 * The plain-text part in a terminal mail client: lines of at most 78 columns (a URL too long for
 * a line of its own excepted), the same facts as the HTML part in the same order, and none of
 * the HTML's zero-width break opportunities.
 */
import { renderAlertMail, renderTestMail } from '../../lib/domain/mail/render';
import { TEXT_WIDTH, wrap } from '../../lib/domain/mail/render-text';
import { MAIL_NOW, mailSets } from '../fixtures/mail-sets';

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&middot;': '·',
  '&#8250;': '›',
  '&#8203;': '',
};

/** Headings and link texts of the HTML: wording, not facts (the text part words them its own way). */
const WORDING =
  /^(Labels|Labels common to all alerts|Annotations|View source ›|Silence this|Open the alertmail console)$/;

/**
 * The facts the HTML shows, in document order: its texts (split at ` · `, the HTML's separator,
 * with the `Started`/`resolved`/`Firing · n alerts` wording taken off) and its link targets.
 */
function htmlFacts(html: string): string[] {
  const body = html.slice(html.indexOf('<body'));
  const facts: string[] = [];
  for (const [, href, text] of body.matchAll(/<a href="([^"]*)"|>([^<]+)</g)) {
    if (href !== undefined) facts.push(decode(href));
    if (text === undefined) continue;
    for (const piece of decode(text).split(' · ')) {
      const fact = piece.replace(/^(Started|resolved|Firing|Resolved) /, '').trim();
      if (fact !== '' && !WORDING.test(fact) && !/^(Firing|Resolved)$/.test(fact)) facts.push(fact);
    }
  }
  return facts;
}

function decode(html: string): string {
  return html.replace(/&[a-z]+;|&#\d+;/g, (e) => ENTITIES[e] ?? e).replace(/\s+/g, ' ');
}

/** Where each fact is found in `text`, searching on from the previous one; -1 when not found in order. */
function positionsInOrder(facts: readonly string[], text: string): { fact: string; at: number }[] {
  const squeezed = text.replace(/\s+/g, '');
  let from = 0;
  return facts.map((fact) => {
    const at = squeezed.indexOf(fact.replace(/\s+/g, ''), from);
    if (at >= 0) from = at;
    return { fact, at };
  });
}

/** A line wider than TEXT_WIDTH is allowed only when it is one URL that no line could hold. */
function overlong(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => Array.from(line).length > TEXT_WIDTH)
    .filter((line) => !/^ *https?:\/\/\S+$/.test(line));
}

describe.each(mailSets())('the text part of the $name mail', ({ kind, alerts }) => {
  const mail = renderAlertMail(kind, alerts, MAIL_NOW, { consoleUrl: 'https://alertmail.example/' });

  it(`has no line wider than ${TEXT_WIDTH} columns except a URL on its own`, () => {
    expect(overlong(mail.text)).toEqual([]);
  });

  it('says what the HTML part says, in the same order', () => {
    const facts = htmlFacts(mail.html);

    const positions = positionsInOrder(facts, mail.text);

    expect(facts.length).toBeGreaterThan(10);
    expect(positions.filter((p) => p.at < 0)).toEqual([]);
  });

  it('has none of the zero-width break opportunities of the HTML part', () => {
    expect(mail.text).not.toMatch(/\u200b|&#8203;/);
  });
});

describe('the text part of the test message', () => {
  it.each([
    { host: 'smtp.example.com', port: 587, security: 'starttls' },
    { host: `${'relay-'.repeat(30)}example.com`, port: 465, security: 'tls' },
    { transport: 'ses' as const },
  ])(`has no line wider than ${TEXT_WIDTH} columns (%j)`, (server) => {
    const { text } = renderTestMail(MAIL_NOW, server);

    expect(overlong(text)).toEqual([]);
    expect(text.replace(/\s+/g, ' ')).toContain('Your email settings work: this message was accepted by');
  });
});

describe('wrap', () => {
  it('wraps words at the width, continuing with the given indent', () => {
    const lines = wrap('one two three four five six seven', '  ', '    ', 16);

    expect(lines).toEqual(['  one two three', '    four five', '    six seven']);
  });

  it('cuts a long word after a separator, else at the width', () => {
    const lines = wrap(`name = ${'registry.example.com/payments/'.repeat(3)}`, '', '  ', 30);

    expect(lines).toEqual([
      'name = registry.example.com/',
      '  payments/registry.example.',
      '  com/payments/registry.',
      '  example.com/payments/',
    ]);
    expect(wrap('x'.repeat(25), '', '', 10)).toEqual(['xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx']);
  });

  it('counts columns in code points: an emoji or a CJK character is one, and never split', () => {
    const lines = wrap('🔥🔥 磁盘 已满 ok 🔥🔥🔥🔥🔥🔥🔥🔥🔥🔥', '', '', 6);

    expect(lines).toEqual(['🔥🔥 磁盘', '已满 ok', '🔥🔥🔥🔥🔥🔥', '🔥🔥🔥🔥']);
    for (const line of lines) expect(Array.from(line).length).toBeLessThanOrEqual(6);
  });

  it('never cuts a URL: it goes on a line of its own', () => {
    const url = `https://grafana.example.com/d/${'a'.repeat(100)}`;

    expect(wrap(`Source: ${url}`, '    ', '    ')).toEqual(['    Source:', `    ${url}`]);
  });
});

describe('the HTML facts the order check looks for', () => {
  it('include the values, times and link targets of each alert', () => {
    const [firing] = mailSets();
    const mail = renderAlertMail('firing', firing?.alerts ?? [], MAIL_NOW);

    const facts = htmlFacts(mail.html);

    expect(facts.slice(0, 4)).toEqual(['2 alerts', 'KubePodCrashLooping', 'payments', 'warning']);
    expect(facts).toEqual(expect.arrayContaining(['pod', 'api-7d9f-0', '2026-11-24 11:15:51 UTC', 'bb67672a7c1ebcb8']));
    expect(facts.indexOf('api-7d9f-0')).toBeLessThan(facts.indexOf('api-7d9f-1'));
  });
});
