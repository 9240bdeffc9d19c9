import fc from 'fast-check';
import { compareCodePoints, fingerprint } from '../../lib/domain/alerts/fingerprint';
import { alertmanagerFingerprints, grafanaFiring, prometheusV2 } from '../fixtures';

/** Straight transcription of Prometheus' LabelSet.Fingerprint with BigInt and Buffer: slow but obviously right. */
function referenceFingerprint(labels: Record<string, string>): string {
  const mask = (1n << 64n) - 1n;
  let hash = 0xcbf29ce484222325n;
  const add = (bytes: Iterable<number>) => {
    for (const b of bytes) hash = ((hash ^ BigInt(b)) * 0x100000001b3n) & mask;
  };
  const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    add(Buffer.from(name, 'utf8'));
    add([0xff]);
    add(Buffer.from(labels[name] ?? '', 'utf8'));
    add([0xff]);
  }
  return hash.toString(16).padStart(16, '0');
}

describe('fingerprint', () => {
  it.each(alertmanagerFingerprints())('equals the fingerprint Alertmanager 0.25 sent ($fingerprint)', (sent) => {
    // Arrange: labels and fingerprint as Alertmanager put them in its webhook
    // Act
    const computed = fingerprint(sent.labels);
    // Assert
    expect(computed).toBe(sent.fingerprint);
  });

  it('covers all four alerts of the two Alertmanager captures', () => {
    expect(alertmanagerFingerprints().map((a) => a.fingerprint)).toEqual([
      'bb67672a7c1ebcb8',
      'd5ca86bde59828ab',
      'bb67672a7c1ebcb8',
      'd5ca86bde59828ab',
    ]);
  });

  it('matches the vector of prometheus/common model.TestLabelSetToFingerprint', () => {
    const labels = { name: 'garland, briggs', fear: 'love is not enough' };
    expect(fingerprint(labels)).toBe(5799056148416392346n.toString(16).padStart(16, '0'));
  });

  it('is the FNV-1a offset basis for the empty label set', () => {
    expect(fingerprint({})).toBe('cbf29ce484222325');
  });

  it('is 16 lowercase hex digits, zero-padded', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), (labels) => {
        expect(fingerprint(labels)).toMatch(/^[0-9a-f]{16}$/);
      }),
    );
  });

  it('does not depend on the order the labels were written in', () => {
    // Arrange
    const a = { alertname: 'X', severity: 'critical', instance: 'h:9100' };
    const b = { instance: 'h:9100', severity: 'critical', alertname: 'X' };
    // Act / Assert
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('depends on every name and value, and on where one ends and the next begins', () => {
    const base = fingerprint({ a: 'bc' });
    expect(fingerprint({ a: 'bd' })).not.toBe(base);
    expect(fingerprint({ ab: 'c' })).not.toBe(base);
    expect(fingerprint({ a: 'bc', d: '' })).not.toBe(base);
  });

  it('ignores annotations: Prometheus firing and resolved sends of one alert share it', () => {
    const firing = prometheusV2.firing.body[0];
    const resolved = prometheusV2.resolved.body[0];
    expect(firing?.annotations).not.toEqual(resolved?.annotations);
    expect(fingerprint(firing?.labels ?? {})).toBe(fingerprint(resolved?.labels ?? {}));
  });

  it('hashes UTF-8 bytes: non-ASCII names and values agree with the reference', () => {
    const labels = { zoné: 'Zürich – 東京 😀', alertname: 'Überlast' };
    expect(fingerprint(labels)).toBe(referenceFingerprint(labels));
  });

  it('sorts names by code point like Go (U+E000 before U+10000), not by UTF-16 unit', () => {
    // Arrange: JavaScript's default sort puts '\u{10000}' (D800 DC00) before '\uE000'
    const labels = { '\u{10000}': 'astral', '\uE000': 'private use' };
    const jsOrder = Object.keys(labels).sort();
    // Act
    const computed = fingerprint(labels);
    // Assert
    expect(jsOrder).toEqual(['\u{10000}', '\uE000']);
    expect(computed).toBe(referenceFingerprint(labels));
    expect(computed).not.toBe(referenceFingerprint({ '\u{10000}': 'astral' }));
    expect(compareCodePoints('\uE000', '\u{10000}')).toBeLessThan(0);
    expect(compareCodePoints('\u{10000}', '\uE000')).toBeGreaterThan(0);
  });

  it('encodes a lone surrogate as U+FFFD, as Go decoding the same JSON would', () => {
    expect(fingerprint({ a: '\uD800' })).toBe(fingerprint({ a: '\uFFFD' }));
    expect(fingerprint({ a: 'x\uDC00y' })).toBe(referenceFingerprint({ a: 'x\uFFFDy' }));
    // a lone high surrogate before a pair sorts as U+FFFD, before the pair's own code point
    const tricky = { '\u{1D400}': '1', [`${String.fromCharCode(0xd835)}\u{1D400}`]: '2' };
    expect(fingerprint(tricky)).toBe(referenceFingerprint(tricky));
  });

  it('agrees with the BigInt reference on arbitrary label sets (property)', () => {
    const anyUnit = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme-ascii' }),
      fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)) }),
    );
    fc.assert(
      fc.property(fc.dictionary(anyUnit, anyUnit, { maxKeys: 8 }), (labels) => {
        expect(fingerprint(labels)).toBe(referenceFingerprint(labels));
      }),
      { numRuns: 2000 },
    );
  });

  it('is recomputed, not copied: Grafana fingerprints its own way', () => {
    // Grafana's `fingerprint` is not Prometheus' LabelSet.Fingerprint of the labels it sends.
    const alert = grafanaFiring.alerts[0];
    expect(fingerprint(alert?.labels ?? {})).toBe(referenceFingerprint(alert?.labels ?? {}));
    expect(fingerprint(alert?.labels ?? {})).not.toBe(alert?.fingerprint);
  });
});
