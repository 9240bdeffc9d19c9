/**
 * The plain-text part, for a terminal mail client: every line fits TEXT_WIDTH
 * columns, except a URL too long to fit on a line of its own (cutting it would
 * break it). The facts come in the order the HTML part shows them: the state and
 * count, the names and key values, the common labels, then per alert its index,
 * state, severity, duration, headline, description, labels, annotations, times,
 * source, the "Silence this" link and fingerprint, then the footer.
 */
import { type BatchView, type Field, formatUtc, multiLine, safeHttpUrl, singleLine } from './render-batch';
import { silenceUrl } from './silence-link';

/** The widest line a terminal mail client shows without wrapping (RFC 5322's recommended 78). */
export const TEXT_WIDTH = 78;

/** A long word is cut after one of these when it has to be cut (the HTML breaks at the same places). */
const CUT_AFTER = new Set(['-', '/', '.', '=', '_', ':']);

// Shorter than the 78 columns: it separates alerts, and the part stays no larger than before the wrapping.
export const RULE = '-'.repeat(48);

/** Where to cut a word of code points so its first piece fits `room`: after a separator in the second half, else hard. */
function cutPoint(chars: readonly string[], room: number): number {
  for (let at = room; at > room / 2; at--) {
    if (CUT_AFTER.has(chars[at - 1] ?? '')) return at;
  }
  return room;
}

/** Code points, as `Array.from(value).length` counts them (a surrogate pair is one), without the array. */
function columns(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/**
 * `text` (one line, words separated by spaces) as lines of at most `width` columns:
 * the first starting with `first`, the others with `rest`. A URL is never cut: when it does not
 * fit where it is, it goes on a line of its own (the only kind of line that may be wider).
 */
export function wrap(text: string, first: string, rest: string, width = TEXT_WIDTH): string[] {
  const lines: string[] = [];
  const restColumns = columns(rest);
  let line = first;
  // The line's width in columns, kept as words are added (counting the whole line per word was the renderer's hot spot).
  let lineColumns = columns(first);
  let empty = true;
  const newLine = (): void => {
    lines.push(line.trimEnd());
    line = rest;
    lineColumns = restColumns;
    empty = true;
  };
  const add = (word: string, wordColumns: number): void => {
    line += empty ? word : ` ${word}`;
    lineColumns += (empty ? 0 : 1) + wordColumns;
    empty = false;
  };
  for (const word of text.split(' ')) {
    if (word === '') continue;
    const wordColumns = columns(word);
    const fitsHere = lineColumns + (empty ? 0 : 1) + wordColumns <= width;
    const fitsAlone = restColumns + wordColumns <= width;
    if (fitsHere) add(word, wordColumns);
    else if (!empty && fitsAlone) {
      newLine();
      add(word, wordColumns);
    } else if (safeHttpUrl(word) !== undefined) {
      if (!empty) newLine();
      add(word, wordColumns);
    } else {
      let chars = Array.from(word);
      while (lineColumns + (empty ? 0 : 1) + chars.length > width) {
        const room = width - lineColumns - (empty ? 0 : 1);
        if (room < 8 && !empty) {
          newLine();
          continue;
        }
        const at = cutPoint(chars, room);
        add(chars.slice(0, at).join(''), at);
        newLine();
        chars = chars.slice(at);
      }
      add(chars.join(''), chars.length);
    }
  }
  lines.push(line.trimEnd());
  return lines;
}

/** Multi-line text, each of its lines wrapped with `prefix` (blank lines kept blank). */
export function wrapParagraphs(text: string, prefix: string): string[] {
  return text.split('\n').flatMap((line) => (line.trim() === '' ? [''] : wrap(line, prefix, prefix)));
}

function fieldLines(fields: readonly Field[], prefix: string): string[] {
  return fields.flatMap((f) => wrap(`${singleLine(f.name)} = ${singleLine(f.value)}`, prefix, `${prefix}    `));
}

export function renderText(batch: BatchView, now: Date, consoleUrl: string | undefined): string {
  const lines: string[] = [];
  const state = batch.kind === 'firing' ? 'FIRING' : 'RESOLVED';
  lines.push(`${state}: ${batch.count} ${batch.count === 1 ? 'alert' : 'alerts'}`);
  const context = batch.keyValues.length > 0 ? ` (${batch.keyValues.join(', ')})` : '';
  lines.push(...wrap(`${batch.names}${context}`, '', '    '));
  lines.push('');
  if (batch.common.length > 0) {
    lines.push(batch.count === 1 ? 'Labels:' : 'Labels common to all alerts:');
    lines.push(...fieldLines(batch.common, '  '));
    lines.push('');
  }
  batch.alerts.forEach((view, i) => {
    lines.push(RULE);
    const facts = [`[${i + 1}/${batch.count}]`];
    if (view.resolved) facts.push('RESOLVED |');
    if (view.severity.label !== undefined) facts.push(`${view.severity.label.toUpperCase()} |`);
    facts.push(view.duration);
    lines.push(facts.join(' '));
    // The headline on a line of its own, like under the badges in the HTML: whole when it fits 78 columns.
    lines.push(...wrap(view.headline, '', ''));
    if (view.description !== undefined) lines.push(...wrapParagraphs(view.description, '    '));
    if (view.labels.length > 0) {
      lines.push('    Labels:');
      lines.push(...fieldLines(view.labels, '      '));
    }
    for (const a of view.annotations) {
      const value = multiLine(a.value);
      if (value.includes('\n')) lines.push(`    ${singleLine(a.name)}:`, ...wrapParagraphs(value, '      '));
      else lines.push(...wrap(`${singleLine(a.name)}: ${value}`, '    ', '        '));
    }
    lines.push(`    Started: ${view.startedAt}`);
    if (view.endedAt !== undefined) lines.push(`    Resolved: ${view.endedAt}`);
    if (view.sourceUrl !== undefined) lines.push(...wrap(`Source: ${view.sourceUrl}`, '    ', '    '));
    else if (view.sourceText !== undefined) {
      lines.push(...wrap(`Source (not a web link): ${view.sourceText}`, '    ', '        '));
    }
    if (consoleUrl !== undefined)
      lines.push(...wrap(`Silence this: ${silenceUrl(consoleUrl, view.alert.labels)}`, '    ', '    '));
    lines.push(...wrap(`Fingerprint: ${singleLine(view.alert.fingerprint)}`, '    ', '        '));
    lines.push('');
  });
  lines.push('--');
  lines.push(`Sent by alertmail at ${formatUtc(now)}.`);
  if (consoleUrl !== undefined) lines.push(...wrap(`Console: ${consoleUrl}`, '', ''));
  return `${lines.join('\n')}\n`;
}
