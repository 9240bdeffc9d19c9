/**
 * The deliveries log: when (date and time), what (kind, subject, alerts), to
 * whom (the first recipient and how many more, the full list on expand), and
 * how it went (outcome, refused recipients with the server's replies, whether
 * a failure is permanent, the error). Codes and addresses never break mid-word:
 * on a narrow screen the table scrolls inside its own frame.
 */
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../context';
import { collapse, collapsedText, formatDateTime, outcomeNotes } from '../deliveries';
import type { Delivery } from '../model';
import { errorText, isSignedOut } from '../requests';

type Log = { state: 'loading' } | { state: 'loaded'; deliveries: Delivery[] } | { state: 'failed'; message: string };

export function DeliveriesView({ signedIn, version }: { signedIn: boolean; version: number }) {
  const { api, announce } = useConsole();
  const [log, setLog] = useState<Log>({ state: 'loading' });
  const [loading, setLoading] = useState(false);

  async function load(): Promise<void> {
    setLoading(true);
    try {
      const { deliveries } = await api.request<{ deliveries: Delivery[] }>('GET', '/v1/deliveries?limit=50');
      setLog({ state: 'loaded', deliveries });
    } catch (e) {
      if (!isSignedOut(e)) setLog({ state: 'failed', message: `Could not load deliveries: ${errorText(e)}` });
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => {
    if (signedIn) void load();
  }, [signedIn, version]);

  const empty = log.state === 'loaded' && log.deliveries.length === 0;
  return (
    <section class="panel" id="deliveries" aria-labelledby="deliveries-title">
      <div class="section-head">
        <h2 id="deliveries-title">Deliveries</h2>
        <button
          type="button"
          class="button subtle"
          id="deliveries-refresh"
          disabled={loading}
          onClick={async () => {
            await load();
            announce('Deliveries refreshed.');
          }}
        >
          Refresh
        </button>
      </div>
      <div class="table-wrap" id="deliveries-table" hidden={empty}>
        <table class="deliveries" aria-labelledby="deliveries-title">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Kind</th>
              <th scope="col">Subject</th>
              <th scope="col">Alerts</th>
              <th scope="col">Recipients</th>
              <th scope="col">Outcome</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody id="deliveries-body">
            {log.state === 'failed' ? (
              <tr>
                <td colSpan={7} class="prose">
                  {log.message}
                </td>
              </tr>
            ) : log.state === 'loaded' ? (
              <DeliveryRows deliveries={log.deliveries} />
            ) : null}
          </tbody>
        </table>
      </div>
      <p class="hint" id="deliveries-empty" hidden={!empty}>
        Nothing sent yet.
      </p>
    </section>
  );
}

/** The table's rows; rendered on their own by the component test. */
export function DeliveryRows({ deliveries }: { deliveries: readonly Delivery[] }) {
  return (
    <>
      {deliveries.map((d) => (
        <DeliveryRow key={d.id} delivery={d} />
      ))}
    </>
  );
}

function DeliveryRow({ delivery: d }: { delivery: Delivery }) {
  const recipients = collapse(d.recipients);
  const { rejected, permanent } = outcomeNotes(d);
  return (
    <tr>
      <td class="nowrap">
        <time dateTime={d.at} title={d.at}>
          {formatDateTime(d.at)}
        </time>
      </td>
      <td>
        <span class={`badge kind-${d.kind}`}>{d.kind}</span>
      </td>
      <td class="prose">{d.subject ?? '—'}</td>
      <td class="nowrap" title={d.alerts.join(', ')}>
        {d.alerts.length}
      </td>
      <td class="nowrap">
        {recipients === null ? (
          '—'
        ) : recipients.more === 0 ? (
          <span class="address">{recipients.first}</span>
        ) : (
          <details class="expand recipients-all">
            <summary>
              <span class="address">{collapsedText(recipients)}</span>
            </summary>
            <ul class="plain">
              {d.recipients.map((address) => (
                <li key={address} class="address">
                  {address}
                </li>
              ))}
            </ul>
          </details>
        )}
      </td>
      <td class="nowrap">
        <span class={`badge outcome-${d.outcome}`}>{d.outcome}</span>
        {permanent ? <span class="badge permanent">permanent</span> : null}
        {rejected.length > 0 ? (
          <details class="expand rejections">
            <summary>
              <span class="badge rejected">{rejected.length} rejected</span>
            </summary>
            <ul class="plain">
              {rejected.map((r) => (
                <li key={r.address}>
                  <span class="address">{r.address}</span> <span class="reply">{r.reply}</span>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </td>
      <td class="prose">{d.error ?? '—'}</td>
    </tr>
  );
}
