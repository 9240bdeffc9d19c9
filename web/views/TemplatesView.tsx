/**
 * Mail templates: the subject, text and HTML parts side by side with a live preview (re-rendered by
 * the API as you type: POST /v1/templates/preview), the HTML in a sandboxed frame at phone or desktop
 * width and the text part beside it, a sample picker, Save, Restore (for `default`) or Delete, and
 * "Send this preview as a test message" (the preview's `send`, to the saved recipients).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { useConsole } from '../context';
import { restyleFrame, sanitizeEmailHtml } from '../email-frame';
import { errorText, isSignedOut } from '../requests';
import {
  PREVIEW_DELAY_MS,
  PREVIEW_WIDTHS,
  type PreviewWidth,
  partsOf,
  type RenderedPreview,
  SAMPLES,
  sameParts,
  TEMPLATE_NAME,
  TEMPLATE_PART_LABELS,
  type TemplateParts,
  type TemplateView,
  templateErrorText,
} from '../templates-model';

const failure = (e: unknown) =>
  e instanceof ApiError && e.status === 400 ? templateErrorText(e.details, e.message) : errorText(e);

export function TemplatesView({ signedIn }: { signedIn: boolean }) {
  const { api, announce, refreshLogs } = useConsole();
  const [names, setNames] = useState<string[]>(['default']);
  const [name, setName] = useState('default');
  const [saved, setSaved] = useState<TemplateView | null>(null);
  const [draft, setDraft] = useState<TemplateParts | null>(null);
  const [sample, setSample] = useState('firing-one');
  const [width, setWidth] = useState<PreviewWidth>(375);
  const [preview, setPreview] = useState<RenderedPreview | null>(null);
  const [problem, setProblem] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [newName, setNewName] = useState('');
  const frame = useRef<HTMLIFrameElement>(null);
  const shown = useMemo(() => (preview ? sanitizeEmailHtml(preview.html) : null), [preview]);

  async function load(which: string): Promise<void> {
    try {
      const [list, template] = await Promise.all([
        api.request<{ templates: Array<{ name: string }> }>('GET', '/v1/templates'),
        api.request<TemplateView>('GET', `/v1/templates/${encodeURIComponent(which)}`),
      ]);
      setNames(list.templates.map((t) => t.name));
      setName(which);
      setSaved(template);
      setDraft(partsOf(template));
    } catch (e) {
      if (!isSignedOut(e)) setStatus(`Could not load the template: ${errorText(e)}`);
    }
  }
  useEffect(() => {
    if (signedIn) void load('default');
  }, [signedIn]);

  // The live preview: rendered by the API (the same engine as the mails) once typing pauses.
  useEffect(() => {
    if (!draft) return;
    let current = true;
    const timer = window.setTimeout(async () => {
      try {
        const rendered = await api.request<RenderedPreview>('POST', '/v1/templates/preview', {
          template: draft,
          sample,
        });
        if (!current) return;
        setPreview(rendered);
        setProblem('');
      } catch (e) {
        if (current && !isSignedOut(e)) setProblem(failure(e));
      }
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [draft, sample]);

  async function act(work: () => Promise<string>): Promise<void> {
    setBusy(true);
    try {
      const message = await work();
      setStatus(message);
      announce(message);
    } catch (e) {
      if (!isSignedOut(e)) {
        const message = failure(e);
        setStatus(`Not done: ${message}`);
        announce(`Not done: ${message}`);
      }
    } finally {
      setBusy(false);
    }
  }

  const save = (target: string) =>
    act(async () => {
      if (!draft) return 'Nothing to save.';
      await api.request('PUT', `/v1/templates/${encodeURIComponent(target)}`, draft);
      await load(target);
      return `Template ${target} saved.`;
    });
  const remove = () =>
    act(async () => {
      await api.request('DELETE', `/v1/templates/${encodeURIComponent(name)}`);
      if (name === 'default') {
        await load('default');
        return 'The shipped default template is restored.';
      }
      await load('default');
      return `Template ${name} deleted.`;
    });
  const send = () =>
    act(async () => {
      if (!draft) return 'Nothing to send.';
      const result = await api.request<{ sent: { accepted: string[] } }>('POST', '/v1/templates/preview', {
        template: draft,
        sample,
        send: true,
      });
      refreshLogs();
      return `Preview sent as a test message to ${result.sent.accepted.join(', ')}.`;
    });

  const unsaved = draft !== null && !sameParts(saved, draft);
  return (
    <section class="panel" id="templates" aria-labelledby="templates-title">
      <div class="section-head">
        <h2 id="templates-title">Templates</h2>
        <div class="field inline">
          <label for="template-name">Template</label>
          <select
            id="template-name"
            value={name}
            onChange={(e) => void load((e.currentTarget as HTMLSelectElement).value)}
          >
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p class="hint">
        Liquid, with the names of Alertmanager's template data (<code>status</code>, <code>alerts</code>
        {', '}
        <code>commonLabels</code>, …). An unknown variable or filter is an error; the HTML part escapes every value.
        Mails use <code>default</code> unless their route names another.
        {saved && !saved.stored && name === 'default' ? ' This is the shipped template.' : ''}
      </p>
      <div class="template-editor">
        <div class="template-parts">
          {TEMPLATE_PART_LABELS.map(({ part, label }) => (
            <div class="field" key={part}>
              <label for={`template-${part}`}>{label}</label>
              {part === 'subject' ? (
                <input
                  id="template-subject"
                  type="text"
                  spellcheck={false}
                  value={draft?.subject ?? ''}
                  onInput={(e) => draft && setDraft({ ...draft, subject: (e.currentTarget as HTMLInputElement).value })}
                />
              ) : (
                <textarea
                  id={`template-${part}`}
                  class="code"
                  rows={part === 'html' ? 18 : 12}
                  spellcheck={false}
                  value={draft?.[part] ?? ''}
                  onInput={(e) =>
                    draft && setDraft({ ...draft, [part]: (e.currentTarget as HTMLTextAreaElement).value })
                  }
                />
              )}
            </div>
          ))}
        </div>
        <div class="template-preview">
          <div class="preview-controls">
            <div class="field inline">
              <label for="template-sample">Sample</label>
              <select
                id="template-sample"
                value={sample}
                onChange={(e) => setSample((e.currentTarget as HTMLSelectElement).value)}
              >
                {SAMPLES.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.label}
                  </option>
                ))}
              </select>
            </div>
            <fieldset class="widths">
              <legend>Width</legend>
              {PREVIEW_WIDTHS.map((w) => (
                <span key={w}>
                  <input
                    type="radio"
                    name="preview-width"
                    id={`preview-width-${w}`}
                    checked={width === w}
                    onChange={() => setWidth(w)}
                  />
                  <label for={`preview-width-${w}`}>{w} px</label>
                </span>
              ))}
            </fieldset>
          </div>
          <p class="field-error" id="template-problem" role="alert" hidden={problem === ''}>
            {problem}
          </p>
          <p class="preview-subject">
            Subject: <strong id="preview-subject">{preview?.subject ?? ''}</strong>
          </p>
          <div class="preview-parts">
            <div class={`preview-frame width-${width}`}>
              <iframe
                ref={frame}
                id="preview-html"
                title="HTML part of the preview"
                sandbox="allow-same-origin"
                referrerpolicy="no-referrer"
                srcdoc={shown?.html ?? ''}
                onLoad={() => {
                  if (frame.current && shown) restyleFrame(frame.current, shown.styles);
                }}
              />
            </div>
            <pre id="preview-text" class="preview-text">
              {preview?.text ?? ''}
            </pre>
          </div>
        </div>
      </div>
      <div class="template-actions">
        <button
          type="button"
          class="button primary"
          id="template-save"
          disabled={busy || !unsaved}
          onClick={() => void save(name)}
        >
          Save {name}
        </button>
        <button
          type="button"
          class="button subtle"
          id="template-delete"
          disabled={busy || !saved?.stored}
          onClick={() => void remove()}
        >
          {name === 'default' ? 'Restore the shipped template' : `Delete ${name}`}
        </button>
        <button
          type="button"
          class="button"
          id="template-send"
          disabled={busy || problem !== ''}
          onClick={() => void send()}
        >
          Send this preview as a test message
        </button>
        <span class="field inline">
          <label for="template-new-name">Save as</label>
          <input
            id="template-new-name"
            type="text"
            spellcheck={false}
            placeholder="new-template"
            value={newName}
            onInput={(e) => setNewName((e.currentTarget as HTMLInputElement).value)}
          />
          <button
            type="button"
            class="button subtle"
            id="template-save-as"
            disabled={busy || !TEMPLATE_NAME.test(newName)}
            onClick={() => void save(newName)}
          >
            Save as new
          </button>
        </span>
      </div>
      <p class="hint" id="template-status" role="status">
        {status}
      </p>
    </section>
  );
}
