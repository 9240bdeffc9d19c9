/** How a delivery reads in the log, kept free of the DOM so it is unit-tested in node. */
import type { Delivery } from './model';

const DATE_AND_TIME: Intl.DateTimeFormatOptions = {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
};

/** "2 Dec 2026, 14:03:12" in the browser's locale (en-GB); the text as given when it is not a date. */
export function formatDateTime(iso: string, locale?: string, timeZone?: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return t.toLocaleString(locale, timeZone ? { ...DATE_AND_TIME, timeZone } : DATE_AND_TIME);
}

/** A list shown as its first item and how many follow: "oncall@example.com +10". */
export interface Collapsed {
  readonly first: string;
  readonly more: number;
}

export function collapse(items: readonly string[]): Collapsed | null {
  const [first] = items;
  return first === undefined ? null : { first, more: items.length - 1 };
}

export function collapsedText(c: Collapsed): string {
  return c.more > 0 ? `${c.first} +${c.more}` : c.first;
}

/** What the outcome cell says beside "sent"/"failed": the refused recipients, and whether a failure is for good. */
export interface OutcomeNotes {
  readonly rejected: readonly { address: string; reply: string }[];
  readonly permanent: boolean;
}

export function outcomeNotes(delivery: Delivery): OutcomeNotes {
  return {
    rejected: delivery.rejected ?? [],
    permanent: delivery.outcome === 'failed' && delivery.permanent === true,
  };
}
