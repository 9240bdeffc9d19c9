/**
 * The local runtime's HTTP plumbing: reading a bounded body (and refusing an oversized one so the
 * client sees the 413), writing an answer, and closing the server gracefully.
 */
import type http from 'node:http';
import { MAX_BODY_BYTES, SECURITY_HEADERS, toResponse } from '../functions/http';

/**
 * How much of an oversized body is read and thrown away before closing, and for how long: enough
 * for a client that writes its whole body before it reads the answer (Python's urllib, most
 * scripts) to finish and see the 413; past either bound the connection is simply closed.
 */
export const DISCARD_MAX_BYTES = 8 * 1024 * 1024;
export const DISCARD_TIMEOUT_MS = 5_000;
/**
 * How long a stop waits for in-flight requests (SIGTERM, Ctrl-C): above the longest request (a send
 * within its deadline, store calls within STORE_CALL_BOUND_MS), below the 30 s a service manager
 * (systemd, Docker, Kubernetes) waits before its SIGKILL.
 */
export const SHUTDOWN_GRACE_MS = 25_000;

export interface LocalResponse {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** Reads the body up to the cap; past it answers 413 (as API Gateway would) and returns undefined. */
export async function readBody(req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    await refuseTooLarge(req, res, declared <= DISCARD_MAX_BYTES);
    return undefined;
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      // Past the cap (a chunked body): the rest is read and discarded, not left unread.
      stop();
      refuseTooLarge(req, res, true, size).then(() => resolve(undefined), reject);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    // Closed before its end (the client gave up): nothing to answer.
    const onClose = () => onError(new Error('the request was cut off before its end'));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

/**
 * Answers 413 at once, then reads and discards the rest of the body (bounded) before closing:
 * closing with the body unread would reset the connection, and a client still writing would
 * never see the answer.
 */
async function refuseTooLarge(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  discard: boolean,
  alreadyRead = 0,
): Promise<void> {
  const answer = toResponse(413, {
    error: {
      code: 'PAYLOAD_TOO_LARGE',
      message: `The body exceeds ${MAX_BODY_BYTES} bytes`,
      details: [{ field: '(body)', message: 'too large' }],
    },
  });
  const { headers, body } = prepare(answer, true);
  res.writeHead(413, headers);
  if (body) res.write(body);
  if (discard) await discardRest(req, alreadyRead);
  res.end();
}

/** Reads and drops what is left of the body; resolves at its end, or when a bound is passed. */
function discardRest(req: http.IncomingMessage, alreadyRead: number): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    let size = alreadyRead;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > DISCARD_MAX_BYTES) done();
    };
    const timer = setTimeout(done, DISCARD_TIMEOUT_MS);
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.resume();
  });
}

function prepare(response: LocalResponse, close: boolean): { headers: Record<string, string>; body?: Buffer } {
  const headers: Record<string, string> = { ...SECURITY_HEADERS };
  for (const [key, value] of Object.entries(response.headers ?? {})) headers[key.toLowerCase()] = String(value);
  if (close) headers.connection = 'close';
  const body = response.body ? Buffer.from(response.body, response.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  if (body) headers['content-length'] = String(body.length);
  return { headers, body };
}

export function send(res: http.ServerResponse, response: LocalResponse, headOnly = false, close = false): void {
  const { headers, body } = prepare(response, close);
  res.writeHead(response.statusCode ?? 200, headers);
  res.end(headOnly ? undefined : body);
}

/**
 * Counts the requests being answered, so a stop can wait for them; while stopping, each answer
 * says `Connection: close` and idle keep-alive connections are closed as they free up.
 */
export function trackRequests(server: http.Server): { inFlight(): number; stopping(): void } {
  let inFlight = 0;
  let stopping = false;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight++;
    if (stopping) res.shouldKeepAlive = false;
    res.once('close', () => {
      inFlight--;
      if (stopping) server.closeIdleConnections();
    });
  });
  return {
    inFlight: () => inFlight,
    stopping: () => {
      stopping = true;
    },
  };
}

/**
 * Stops accepting connections, lets the requests in flight finish (up to `graceMs`), then closes
 * whatever is left. Resolves with the number of requests cut off (0 when all finished).
 */
export async function closeGracefully(
  server: http.Server,
  requests: ReturnType<typeof trackRequests>,
  graceMs: number = SHUTDOWN_GRACE_MS,
): Promise<number> {
  requests.stopping();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = Date.now() + graceMs;
  while (requests.inFlight() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const cut = requests.inFlight();
  server.closeAllConnections();
  await closed;
  return cut;
}
