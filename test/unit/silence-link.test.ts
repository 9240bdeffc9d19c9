import { parseSilenceLink, silenceUrl } from '../../lib/domain/mail/silence-link';

describe('the "Silence this" link', () => {
  const labels = { severity: 'critical', alertname: 'Disk & "IO" full', namespace: 'payments/eu' };

  it('puts the labels, sorted, in the fragment of the console URL', () => {
    expect(silenceUrl('https://console.example.com/', labels)).toBe(
      'https://console.example.com/#silence?alertname=Disk+%26+%22IO%22+full&namespace=payments%2Feu&severity=critical',
    );
  });

  it('round-trips every label the console reads back, hostile values included', () => {
    const hostile = { ...labels, inject: 'a\r\nBcc: x@example.com', tmpl: '{{ x }} {% raw %}', html: '<b>&amp;</b>' };
    const url = new URL(silenceUrl('http://127.0.0.1:8080/', hostile));
    expect(parseSilenceLink(url.hash)).toEqual(hostile);
  });

  it('replaces a fragment the console URL already has', () => {
    expect(silenceUrl('http://127.0.0.1:8080/#deliveries', { a: 'b' })).toBe('http://127.0.0.1:8080/#silence?a=b');
  });

  it('is not a silence link when the fragment is something else', () => {
    expect(parseSilenceLink('#deliveries')).toBeNull();
    expect(parseSilenceLink('#silenced?a=b')).toBeNull();
    expect(parseSilenceLink('#silence')).toEqual({});
  });
});
