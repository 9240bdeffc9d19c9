/**
 * The latency row as users see it: one alert posted, until the mail server (Debian's aiosmtpd)
 * accepts the mail, alertmail and Alertmanager (email receiver, `group_wait: 0s`) to the same
 * server, one post of each in turn (order alternating), in one run. Beside it the phase breakdown
 * of alertmail's posts: the runtime's phase marks (lib/phases.ts, on only for this row) and the
 * mail server's own arrival times (bench/aiosmtpd_arrivals.py), on one epoch-millisecond clock.
 */
import type { PhaseMark } from '../lib/phases';
import { type AiosmtpdSink, type Arrival, epochNow } from './aiosmtpd-sink';
import { type HttpClient, percentile } from './load';
import { makeAlert } from './payloads';

export interface LatencySeries {
  readonly posts: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  /** For alertmail: POST → its HTTP answer (after the deliveries log and the `sent` mark). */
  readonly answerP50Ms?: number;
  /** Mails that went over a connection kept from an earlier mail. */
  readonly reusedConnections: number;
}

export interface PhaseRow {
  /** "from → to", in the order the steps happen. */
  readonly step: string;
  readonly p50Ms: number;
  readonly p90Ms: number;
  /** Posts that had this step (a reused connection has no connect and EHLO). */
  readonly count: number;
}

export interface InboxLatency {
  readonly alertmail: LatencySeries;
  readonly alertmanager: LatencySeries;
  /** Per-post p50 ratio alertmail ÷ Alertmanager, and the same of the p90s. */
  readonly ratioP50: number;
  readonly ratioP90: number;
  readonly alertmailPhases: readonly PhaseRow[];
  readonly alertmanagerPhases: readonly PhaseRow[];
}

export interface InboxLatencyOptions {
  readonly posts: number;
  readonly runId: string;
  readonly sink: AiosmtpdSink;
  readonly alertmail: HttpClient;
  readonly ingestHeaders: Record<string, string>;
  readonly alertmanager: HttpClient;
  readonly startPhases: () => Promise<void>;
  readonly stopPhases: () => Promise<readonly PhaseMark[]>;
  readonly deadline: number;
}

interface Post {
  readonly start: number;
  readonly answered: number;
  readonly arrival: Arrival;
}

function alertBody(id: string, i: number, token: string): string {
  const now = Date.now();
  const startsAt = new Date(now - 600_000).toISOString();
  const endsAt = new Date(now + 3_600_000).toISOString();
  return JSON.stringify([makeAlert(id, i, startsAt, endsAt, token)]);
}

async function postOne(
  client: HttpClient,
  path: string,
  headers: Record<string, string>,
  body: string,
  token: string,
  sink: AiosmtpdSink,
  expect: number,
): Promise<Post> {
  const accepted = sink.waitFor(token, 10_000);
  const start = epochNow();
  try {
    const reply = await client.request('POST', path, headers, body);
    const answered = epochNow();
    if (reply.status !== expect) throw new Error(`${path} answered ${reply.status}: ${reply.body.slice(0, 200)}`);
    return { start, answered, arrival: await accepted };
  } catch (error) {
    await accepted.catch(() => undefined);
    throw error;
  }
}

const SERVER_STEPS: ReadonlyArray<[keyof Arrival, string]> = [
  ['connected', 'server: connection'],
  ['ehlo', 'server: EHLO'],
  ['rset', 'server: RSET'],
  ['mail', 'server: MAIL FROM'],
  ['rcpt', 'server: RCPT TO'],
  ['accepted', 'server: message accepted'],
];

/** The post's events in time order: POST sent, the runtime's marks, the server's arrivals, answer received. */
function events(post: Post, marks: readonly PhaseMark[]): PhaseMark[] {
  const list: PhaseMark[] = [{ name: 'POST sent', at: post.start }];
  for (const mark of marks) if (mark.at >= post.start && mark.at <= post.answered) list.push(mark);
  for (const [field, name] of SERVER_STEPS) {
    const at = post.arrival[field];
    // A reused connection's own arrival and EHLO are from an earlier post.
    if (typeof at === 'number' && at >= post.start) list.push({ name, at });
  }
  list.push({ name: 'answer received', at: post.answered });
  return list.sort((a, b) => a.at - b.at);
}

function breakdown(posts: readonly Post[], marks: readonly PhaseMark[], until: 'answer' | 'accepted'): PhaseRow[] {
  const steps = new Map<string, { order: number; values: number[] }>();
  for (const post of posts) {
    let list = events(post, marks);
    // Alertmanager answers before it mails: its steps end at the server's acceptance, its answer left out.
    if (until === 'accepted') list = list.filter((e) => e.at <= post.arrival.accepted && e.name !== 'answer received');
    list.forEach((event, i) => {
      const next = list[i + 1];
      if (!next) return;
      const step = `${event.name} → ${next.name}`;
      const entry = steps.get(step) ?? { order: i, values: [] };
      entry.values.push(next.at - event.at);
      steps.set(step, entry);
    });
  }
  return [...steps.entries()]
    .sort((a, b) => a[1].order - b[1].order)
    .map(([step, { values }]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { step, p50Ms: percentile(sorted, 50), p90Ms: percentile(sorted, 90), count: sorted.length };
    });
}

function series(posts: readonly Post[], errors: number, withAnswer: boolean): LatencySeries {
  const sorted = posts.map((p) => p.arrival.accepted - p.start).sort((a, b) => a - b);
  const answers = posts.map((p) => p.answered - p.start).sort((a, b) => a - b);
  return {
    posts: posts.length,
    errors,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    ...(withAnswer ? { answerP50Ms: percentile(answers, 50) } : {}),
    reusedConnections: posts.filter((p) => p.arrival.message > 1).length,
  };
}

/** `posts` of each, one alertmail post then one Alertmanager post (or the other way round, alternating). */
export async function measureInboxLatency(options: InboxLatencyOptions): Promise<InboxLatency> {
  const { sink, runId } = options;
  const ours: Post[] = [];
  const theirs: Post[] = [];
  let ourErrors = 0;
  let theirErrors = 0;
  const alertmailPost = async (i: number) => {
    const token = `BenchLatencyA${runId}x${i}`;
    try {
      ours.push(
        await postOne(
          options.alertmail,
          '/v1/alerts',
          options.ingestHeaders,
          alertBody(`la${runId}`, i, token),
          token,
          sink,
          202,
        ),
      );
    } catch {
      ourErrors++;
    }
  };
  const alertmanagerPost = async (i: number) => {
    const token = `BenchLatencyM${runId}x${i}`;
    try {
      theirs.push(
        await postOne(
          options.alertmanager,
          '/api/v2/alerts',
          { 'content-type': 'application/json' },
          alertBody(`lm${runId}`, i, token),
          token,
          sink,
          200,
        ),
      );
    } catch {
      theirErrors++;
    }
  };
  // Unmeasured: the first mail loads nodemailer, the first claim the SDK's write path.
  for (let i = 0; i < 5; i++) {
    await alertmailPost(-1 - i);
    await alertmanagerPost(-1 - i);
  }
  ours.length = 0;
  theirs.length = 0;
  ourErrors = 0;
  theirErrors = 0;
  await options.startPhases();
  for (let i = 0; i < options.posts && epochNow() < options.deadline; i++) {
    if (i % 2 === 0) {
      await alertmailPost(i);
      await alertmanagerPost(i);
    } else {
      await alertmanagerPost(i);
      await alertmailPost(i);
    }
  }
  const marks = await options.stopPhases();
  const alertmail = series(ours, ourErrors, true);
  const alertmanager = series(theirs, theirErrors, false);
  return {
    alertmail,
    alertmanager,
    ratioP50: alertmail.p50Ms / alertmanager.p50Ms,
    ratioP90: alertmail.p90Ms / alertmanager.p90Ms,
    alertmailPhases: breakdown(ours, marks, 'answer'),
    alertmanagerPhases: breakdown(theirs, [], 'accepted'),
  };
}
