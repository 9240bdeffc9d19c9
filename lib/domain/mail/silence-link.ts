/**
 * The "Silence this" link every alert mail carries (DESIGN.md "Silences and mute windows"):
 * the console's address with the alert's labels in the fragment. A fragment never reaches a
 * server's access log, and the link grants nothing: the admin signs in and confirms there.
 *
 * Format: `<consoleUrl>#silence?<label>=<value>&...`, labels sorted by name, values encoded as
 * URLSearchParams encodes them. The console opens a new silence pre-filled with one `In`
 * matcher per label (`parseSilenceLink`).
 */
export const SILENCE_LINK_FRAGMENT = 'silence';

export function silenceUrl(consoleUrl: string, labels: Readonly<Record<string, string>>): string {
  const params = new URLSearchParams();
  for (const name of Object.keys(labels).sort()) params.append(name, labels[name] ?? '');
  return `${consoleUrl.replace(/#.*$/, '')}#${SILENCE_LINK_FRAGMENT}?${params.toString()}`;
}

/** The labels of a "Silence this" fragment (`#silence?...`), or null when the fragment is something else. */
export function parseSilenceLink(fragment: string): Record<string, string> | null {
  const hash = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  const prefix = `${SILENCE_LINK_FRAGMENT}?`;
  if (hash !== SILENCE_LINK_FRAGMENT && !hash.startsWith(prefix)) return null;
  const labels: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(hash.slice(prefix.length))) labels[name] = value;
  return labels;
}
