import type { Labels } from './model';

/**
 * Prometheus `model.LabelSet.Fingerprint()`: FNV-1a 64-bit over the label names in ascending
 * (byte) order, hashing for each label `name`, 0xFF, `value` (UTF-8), 0xFF. The empty set
 * hashes to the FNV offset basis. Rendered as `%016x`, exactly like Alertmanager's `fingerprint`.
 *
 * Runs for every alert on the hot path: 64-bit arithmetic on 16-bit limbs, UTF-8 encoded on the
 * fly (no BigInt, no per-byte allocation, no TextEncoder buffer).
 */
export function fingerprint(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort(compareCodePoints);
  // FNV-1a 64 offset basis 0xcbf29ce484222325.
  h3 = 0xcbf2;
  h2 = 0x9ce4;
  h1 = 0x8422;
  h0 = 0x2325;
  for (const name of names) {
    hashString(name);
    hashByte(SEPARATOR);
    hashString(labels[name] ?? '');
    hashByte(SEPARATOR);
  }
  return hex4(h3) + hex4(h2) + hex4(h1) + hex4(h0);
}

/** `model.SeparatorByte`. */
const SEPARATOR = 0xff;

/**
 * The running hash as four 16-bit limbs, h0 least significant. Module state is safe:
 * `fingerprint` is synchronous and never re-entered. Every intermediate stays below 2^27,
 * so V8 keeps all of it in small integers (no heap numbers, no BigInt).
 */
let h0 = 0;
let h1 = 0;
let h2 = 0;
let h3 = 0;

/**
 * h = (h XOR byte) * 0x100000001b3 mod 2^64. The FNV prime is 2^40 + 0x1b3, i.e. limbs
 * [0x1b3, 0, 0x100, 0]: each result limb is h_i*0x1b3 plus, from the 2^40 term, h_(i-2) << 8.
 */
function hashByte(byte: number): void {
  const x = h0 ^ byte;
  const r0 = x * 0x1b3;
  const r1 = h1 * 0x1b3 + (r0 >>> 16);
  const r2 = h2 * 0x1b3 + (x << 8) + (r1 >>> 16);
  const r3 = h3 * 0x1b3 + (h1 << 8) + (r2 >>> 16);
  h0 = r0 & 0xffff;
  h1 = r1 & 0xffff;
  h2 = r2 & 0xffff;
  h3 = r3 & 0xffff;
}

/** Hashes the UTF-8 encoding of `s` (lone surrogates become U+FFFD, as Go's JSON decoder does). */
function hashString(s: string): void {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      hashByte(c);
    } else if (c < 0x800) {
      hashByte(0xc0 | (c >> 6));
      hashByte(0x80 | (c & 0x3f));
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          hashByte(0xf0 | (c >> 18));
          hashByte(0x80 | ((c >> 12) & 0x3f));
          hashByte(0x80 | ((c >> 6) & 0x3f));
          hashByte(0x80 | (c & 0x3f));
          continue;
        }
        c = 0xfffd;
      }
      hashByte(0xe0 | (c >> 12));
      hashByte(0x80 | ((c >> 6) & 0x3f));
      hashByte(0x80 | (c & 0x3f));
    }
  }
}

/**
 * Go sorts label names by bytes, i.e. by UTF-8, i.e. by code point. JavaScript's default sort
 * compares UTF-16 code units, which disagrees when a surrogate (part of a code point ≥ U+10000,
 * or a lone one that UTF-8 encoding turns into U+FFFD) meets U+E000–FFFF: decode those.
 */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(j);
    if (x < 0xd800 && y < 0xd800) {
      if (x !== y) return x - y;
      i++;
      j++;
      continue;
    }
    const cx = codePointAt(a, i);
    const cy = codePointAt(b, j);
    if (cx !== cy) return cx - cy;
    i += cx >= 0x10000 ? 2 : 1;
    j += cy >= 0x10000 ? 2 : 1;
  }
  return i < a.length ? 1 : j < b.length ? -1 : 0;
}

/** The code point starting at unit `i` of `s`; a lone surrogate is U+FFFD, as in its UTF-8 encoding. */
function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return c;
  const next = s.charCodeAt(i + 1); // NaN past the end
  if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
  return 0xfffd;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
