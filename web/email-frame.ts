/** Shows an HTML email in the console: made safe for a sandboxed frame, styled through the CSSOM (the CSP allows no inline style). */

/** The attribute an email's inline `style` travels in, so the frame's CSP never sees (and reports) it. */
const STYLE_ATTR = 'data-am-style';

/**
 * Makes an HTML email safe to show in a sandboxed iframe: no scripts, frames,
 * forms, meta refreshes, base or remote stylesheets, no event handlers or
 * javascript: URLs. (The sandbox, without allow-scripts, and the inherited CSP
 * already stop all of that; this is the second lock.) Inline styles and
 * `<style>` sheets, which the inherited CSP would block, are set aside for
 * `restyleFrame`.
 */
export function sanitizeEmailHtml(html: string): { html: string; styles: string[] } {
  // Set the styles aside before parsing: any parse in this page checks them against its CSP and logs a violation.
  const styles: string[] = [];
  const source = html
    .replace(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi, (_, css: string) => {
      styles.push(css);
      return '';
    })
    .replace(/<[a-z][^>]*>/gi, (tag) => tag.replace(/(\s)style(\s*=)/gi, `$1${STYLE_ATTR}$2`));
  const doc = new DOMParser().parseFromString(source, 'text/html');
  for (const node of Array.from(
    doc.querySelectorAll('style,script,iframe,frame,frameset,object,embed,link,meta,base,form,noscript'),
  )) {
    node.remove();
  }
  for (const node of Array.from(doc.querySelectorAll('*'))) {
    for (const attr of Array.from(node.attributes)) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[^\x21-\uffff]/g, '').toLowerCase();
      if (name === 'style') {
        node.setAttribute(STYLE_ATTR, attr.value);
        node.removeAttribute(attr.name);
      } else if (name.startsWith('on') || name === 'formaction' || name === 'srcset') node.removeAttribute(attr.name);
      else if (/^(javascript|vbscript|data:text)/.test(value)) node.removeAttribute(attr.name);
      // remote images would be blocked by the CSP anyway (and would tell the sender the mail was read)
      else if (name === 'src' && !value.startsWith('data:')) node.removeAttribute(attr.name);
    }
  }
  return { html: `<!doctype html>${doc.documentElement.outerHTML}`, styles };
}

/**
 * The console's CSP (inherited by the srcdoc frame) forbids inline styles;
 * apply the email's own through the CSSOM, which CSP allows, so the preview
 * looks like the mail. Needs the frame to be same-origin
 * (sandbox="allow-same-origin", never together with allow-scripts).
 */
export function restyleFrame(frame: HTMLIFrameElement, styles: readonly string[]): void {
  const doc = frame.contentDocument;
  const view = frame.contentWindow;
  if (!doc || !view) return;
  for (const node of Array.from(doc.querySelectorAll<HTMLElement>(`[${STYLE_ATTR}]`))) {
    node.style.cssText = node.getAttribute(STYLE_ATTR) ?? '';
  }
  const sheets: CSSStyleSheet[] = [];
  for (const text of styles) {
    try {
      const sheet = new (view as Window & typeof globalThis).CSSStyleSheet();
      sheet.replaceSync(text);
      sheets.push(sheet);
    } catch {
      // a stylesheet the browser cannot parse: show the mail without it
    }
  }
  if (sheets.length > 0) doc.adoptedStyleSheets = sheets;
  frame.height = String(Math.min(Math.max(doc.documentElement.scrollHeight + 4, 120), 4000));
}
