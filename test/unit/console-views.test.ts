/**
 * The console's components rendered in node: the deliveries rows, and index.html
 * as the pre-render of <App />. Jest's transform compiles TSX for React, so the
 * views are bundled here with the console's own esbuild settings (Preact's JSX).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import type { Delivery } from '../../web/model';
import { FAILED, SENT } from '../fixtures/console';

interface Views {
  renderRows(deliveries: readonly Delivery[]): string;
  renderDocument(): string;
}

const WEB = path.join(__dirname, '..', '..', 'web');

function loadViews(): Views {
  const { outputFiles } = buildSync({
    stdin: {
      contents: `
        import { h } from 'preact';
        import { renderToString } from 'preact-render-to-string';
        import { DeliveryRows } from './views/DeliveriesView';
        export { renderDocument } from './prerender';
        export const renderRows = (deliveries) => renderToString(h('table', null, h('tbody', null, h(DeliveryRows, { deliveries }))));
      `,
      resolveDir: WEB,
      loader: 'tsx',
    },
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'silent',
  });
  const module = { exports: {} as Views };
  new Function('module', 'exports', 'require', outputFiles[0]?.text ?? '')(module, module.exports, require);
  return module.exports;
}

describe('console views', () => {
  const views = loadViews();

  it('shows a delivery with its subject, the recipients collapsed and every refused one with its reply', () => {
    const html = views.renderRows([SENT]);
    expect(html).toContain('[FIRING:1] KubePodCrashLooping (payments, warning)');
    expect(html).toMatch(/<summary><span class="address">oncall@example.com \+2<\/span><\/summary>/);
    for (const address of SENT.recipients) expect(html).toContain(`<li class="address">${address}</li>`);
    expect(html).toMatch(/<span class="badge rejected">2 rejected<\/span>/);
    expect(html).toContain('550 5.7.1 Relaying denied');
    expect(html).toContain(`<time datetime="${SENT.at}" title="${SENT.at}">`);
    expect(html).not.toContain('permanent');
  });

  it('marks a permanent failure, and shows one recipient and no outcome notes plainly', () => {
    expect(views.renderRows([FAILED])).toMatch(/outcome-failed">failed<\/span><span class="badge permanent">permanent/);
    const plain = views.renderRows([{ ...SENT, recipients: ['oncall@example.com'], rejected: undefined }]);
    expect(plain).not.toContain('<details');
    expect(plain).toContain('<span class="address">oncall@example.com</span>');
  });

  it('escapes what the log says: a subject is text, never markup', () => {
    const html = views.renderRows([{ ...SENT, subject: '<img src=x onerror=alert(1)>' }]);
    expect(html).toContain('&lt;img src=x onerror=alert(1)>');
    expect(html).not.toContain('<img');
  });

  it('is what web/index.html holds (npm run build:web writes it)', () => {
    expect(readFileSync(path.join(WEB, 'index.html'), 'utf8')).toBe(views.renderDocument());
  });
});
