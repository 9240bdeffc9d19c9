/**
 * SMTP connections kept open between sends to the same server, within one warm process (a Lambda
 * instance between invocations, `npm start`): a send that finds one skips the TCP (and TLS)
 * handshake, the greeting, EHLO and AUTH. BENCHMARKS.md "Latency, phase by phase" has the figures.
 *
 * The rules that keep it exactly as safe as a fresh connection per mail:
 * - only a connection whose last send succeeded comes back here; any error closes it;
 * - the key is a digest of every server setting the send used, password, OAuth settings and the
 *   OAuth token included (so a new password, a renewed token or any other settings change opens a
 *   new connection), and a send under another key closes the idle connections of the old one;
 * - before reuse the connection is probed with RSET (one round trip, no message byte sent), so a
 *   connection the server closed meanwhile is replaced before anything of the mail goes out:
 *   no mail is ever sent twice because of reuse;
 * - idle at most IDLE_MS and MAX_MESSAGES mails per connection; idle sockets do not keep the
 *   process alive (unref) and `closeIdleSmtpConnections` ends them at shutdown.
 *
 * The probe may run ahead of the send (`probeAhead`, while the ingest's claim is written), so the
 * send finds the connection answered already: a connection probed ahead is used without another
 * probe only within PROBED_FRESH_MS of its answer and if the server has not closed it since; else
 * it is probed again (or goes back to the idle ones when no send takes it).
 */
import { createHash } from 'node:crypto';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { MailServer } from '../../domain/config';

/** How long a connection may sit unused before it is closed (servers' own idle limits are 60 s and up). */
export const IDLE_MS = 10_000;
/** Mails per connection before it is closed and a new one opened (nodemailer's pool default). */
export const MAX_MESSAGES = 100;
/** Idle connections kept per server (a request sends up to 4 messages at once: mail-delivery.ts). */
const MAX_IDLE_PER_SERVER = 4;
/**
 * How long a connection that answered RSET ahead of its send is taken without a new probe: the
 * claim it overlaps takes milliseconds; a process frozen between Lambda invocations is far past it.
 */
export const PROBED_FRESH_MS = 1_000;

interface Idle {
  readonly connection: SMTPConnection;
  readonly messages: number;
  readonly timer: NodeJS.Timeout;
  readonly onDrop: () => void;
}

/** A connection the caller now owns, and how many mails it carried before. */
export interface Reused {
  readonly connection: SMTPConnection;
  readonly messages: number;
}

const idle = new Map<string, Idle[]>();

/** A connection probed ahead of a send: `alive` resolves once it answered RSET (false: it did not). */
interface Probed {
  readonly connection: SMTPConnection;
  readonly messages: number;
  readonly alive: Promise<boolean>;
  /** When it answered (epoch ms); set once `alive` resolved true. */
  answeredAt?: number;
  /** Set when the server closed it (or it failed) after the probe. */
  dropped: boolean;
  readonly timer: NodeJS.Timeout;
  readonly onDrop: () => void;
}

const probed = new Map<string, Probed[]>();

/** The pool key: a digest of the settings the connection was opened and signed in with (and its OAuth token). */
export function connectionKey(server: MailServer, token?: string): string {
  const { from: _from, ...connectionSettings } = server;
  return createHash('sha256')
    .update(JSON.stringify([connectionSettings, token ?? null]))
    .digest('base64url');
}

function setRef(connection: SMTPConnection, ref: boolean): void {
  const socket = connection._socket;
  if (socket) {
    if (ref) socket.ref();
    else socket.unref();
  }
}

function forget(key: string, entry: Idle): void {
  const list = idle.get(key);
  const at = list?.indexOf(entry) ?? -1;
  if (list && at >= 0) list.splice(at, 1);
  if (list?.length === 0) idle.delete(key);
  clearTimeout(entry.timer);
  entry.connection.removeListener('error', entry.onDrop);
  entry.connection.removeListener('end', entry.onDrop);
}

function drop(key: string, entry: Idle): void {
  forget(key, entry);
  closeQuietly(entry.connection);
}

const ignore = (): void => {};

/** Closes a connection no send is listening to: an 'error' it emits while closing must not crash the process. */
export function closeQuietly(connection: SMTPConnection): void {
  connection.on('error', ignore);
  connection.close();
}

/**
 * An idle connection to the server under `key` that answered RSET within `probeMs`, or undefined
 * (then the caller opens one). Idle connections under other keys are closed: the settings changed.
 */
export async function takeIdleConnection(key: string, probeMs: number): Promise<Reused | undefined> {
  closeOtherKeys(key);
  for (let ahead = probed.get(key)?.shift(); ahead; ahead = probed.get(key)?.shift()) {
    const taken = await takeProbed(key, ahead, probeMs);
    if (taken) return taken;
  }
  for (let entry = idle.get(key)?.pop(); entry; entry = idle.get(key)?.pop()) {
    forget(key, entry);
    const { connection, messages } = entry;
    setRef(connection, true);
    if (await probe(connection, probeMs)) return { connection, messages };
    closeQuietly(connection);
  }
  return undefined;
}

function closeOtherKeys(key: string): void {
  for (const [otherKey, list] of [...idle]) if (otherKey !== key) for (const entry of [...list]) drop(otherKey, entry);
  for (const [otherKey, list] of [...probed])
    if (otherKey !== key) for (const entry of [...list]) void settleProbed(otherKey, entry, 'close');
}

/**
 * Probes one idle connection to the server under `key` now, for a send expected soon (the ingest
 * calls it while its claim is written): the send then takes it without waiting for RSET. Sends
 * nothing of a mail. No idle connection: nothing to do (the send opens one).
 */
export function probeAhead(key: string, probeMs: number): void {
  closeOtherKeys(key);
  const entry = idle.get(key)?.pop();
  if (!entry) return;
  forget(key, entry);
  const { connection, messages } = entry;
  setRef(connection, true);
  const onDrop = (): void => {
    ahead.dropped = true;
  };
  // Not taken in time (the claim was lost, or failed): back to the idle ones, probed again when used.
  const timer = setTimeout(() => void settleProbed(key, ahead, 'keep'), PROBED_FRESH_MS);
  timer.unref();
  // Listening from the start: an 'error' without a listener would crash the process.
  connection.on('error', onDrop);
  connection.once('end', onDrop);
  const ahead: Probed = { connection, messages, alive: probe(connection, probeMs), dropped: false, timer, onDrop };
  const list = probed.get(key) ?? [];
  list.push(ahead);
  probed.set(key, list);
  void ahead.alive.then((alive) => {
    if (alive) ahead.answeredAt = Date.now();
  });
}

/** Ends a probed connection's wait: `keep` returns it to the idle ones (if alive), `close` closes it. */
async function settleProbed(key: string, ahead: Probed, then: 'keep' | 'close'): Promise<void> {
  const list = probed.get(key);
  const at = list?.indexOf(ahead) ?? -1;
  if (list && at >= 0) list.splice(at, 1);
  if (list?.length === 0) probed.delete(key);
  clearTimeout(ahead.timer);
  const alive = (await ahead.alive) && !ahead.dropped;
  ahead.connection.removeListener('error', ahead.onDrop);
  ahead.connection.removeListener('end', ahead.onDrop);
  if (alive && then === 'keep') keepIdleConnection(key, ahead.connection, ahead.messages);
  else closeQuietly(ahead.connection);
}

/** A connection probed ahead, for the caller: used as it is while fresh, probed again after that. */
async function takeProbed(key: string, ahead: Probed, probeMs: number): Promise<Reused | undefined> {
  if (probed.get(key)?.length === 0) probed.delete(key);
  clearTimeout(ahead.timer);
  const alive = (await ahead.alive) && !ahead.dropped;
  ahead.connection.removeListener('error', ahead.onDrop);
  ahead.connection.removeListener('end', ahead.onDrop);
  const fresh = ahead.answeredAt !== undefined && Date.now() - ahead.answeredAt <= PROBED_FRESH_MS;
  if (alive && (fresh || (await probe(ahead.connection, probeMs)))) {
    return { connection: ahead.connection, messages: ahead.messages };
  }
  closeQuietly(ahead.connection);
  return undefined;
}

/** RSET answered 250 in time: the server still holds the session. */
function probe(connection: SMTPConnection, probeMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const settle = (alive: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      connection.removeListener('error', onError);
      connection.removeListener('end', onError);
      resolve(alive);
    };
    const onError = () => settle(false);
    const timer = setTimeout(() => settle(false), Math.max(1, probeMs));
    connection.once('error', onError);
    connection.once('end', onError);
    try {
      connection.reset((error) => settle(!error));
    } catch {
      settle(false);
    }
  });
}

/** After a successful send: keep the connection for the next one, or close it when it has done its share. */
export function keepIdleConnection(key: string, connection: SMTPConnection, messages: number): void {
  const list = idle.get(key) ?? [];
  if (messages >= MAX_MESSAGES || list.length >= MAX_IDLE_PER_SERVER) {
    closeQuietly(connection);
    return;
  }
  // The server may close an idle session at any time; an 'error' without a listener would crash the process.
  const onDrop = () => drop(key, entry);
  const timer = setTimeout(onDrop, IDLE_MS);
  timer.unref();
  const entry: Idle = { connection, messages, timer, onDrop };
  connection.on('error', onDrop);
  connection.once('end', onDrop);
  setRef(connection, false);
  list.push(entry);
  idle.set(key, list);
}

/** Closes every idle connection (the local runtime's stop; tests). */
export function closeIdleSmtpConnections(): void {
  for (const [key, list] of [...idle]) for (const entry of [...list]) drop(key, entry);
  for (const [key, list] of [...probed]) for (const entry of [...list]) void settleProbed(key, entry, 'close');
}

/** Idle connections kept now, those probed ahead of a send included (tests). */
export function idleSmtpConnectionCount(): number {
  let count = 0;
  for (const list of idle.values()) count += list.length;
  for (const list of probed.values()) count += list.length;
  return count;
}
