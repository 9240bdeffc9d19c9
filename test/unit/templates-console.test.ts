/** The Templates view's pure logic (web/templates-model.ts). */
import { SAMPLE_NAMES } from '../../lib/domain/mail/templates/samples';
import { NAME_PATTERN } from '../../lib/domain/routes';
import { SAMPLES, sameParts, TEMPLATE_NAME, templateErrorText } from '../../web/templates-model';

describe('templates-model', () => {
  test('an error names the part in words, with the line and column the API gives', () => {
    expect(
      templateErrorText([{ field: 'html', message: 'line 2, column 6: undefined variable: nope' }], 'fallback'),
    ).toBe('HTML part: line 2, column 6: undefined variable: nope');
    expect(templateErrorText([], 'The request failed')).toBe('The request failed');
  });

  test('unsaved changes: any part differs', () => {
    const saved = { subject: 's', text: 't', html: 'h' };
    expect(sameParts(saved, { ...saved })).toBe(true);
    expect(sameParts(saved, { ...saved, html: 'h2' })).toBe(false);
    expect(sameParts(null, saved)).toBe(false);
  });

  test("the name rule and the samples are the API's", () => {
    expect(TEMPLATE_NAME.source).toBe(NAME_PATTERN.source);
    expect(SAMPLES.map((s) => s.id)).toEqual([...SAMPLE_NAMES]);
    expect(TEMPLATE_NAME.test('payments-team')).toBe(true);
    expect(TEMPLATE_NAME.test('Payments')).toBe(false);
    expect(TEMPLATE_NAME.test('-x')).toBe(false);
  });
});
