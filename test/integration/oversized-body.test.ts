/**
 * A client that writes its whole body before it reads the answer (Python's urllib, most scripts)
 * must see the 413 for an oversized body, not a connection reset: the local runtime answers, reads
 * and discards the rest of the body (bounded), then closes.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { MAX_BODY_BYTES } from '../../functions/http';
import { startTestRuntime, type TestRuntime } from './support';

/**
 * Larger than loopback's socket buffers (a 2 MiB body fits in them whole, so even a server that
 * closes at once looks fine), within what the runtime reads and discards.
 */
const BODY_BYTES = 6 * 1024 * 1024;

/** Writes the request head and the whole body, and only then reads: the answer as text, or the socket error. */
function writeAllThenRead(
  url: string,
  head: string,
  body: Buffer,
): Promise<{ answer: string; error?: string; wroteAll: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let wroteAll = false;
    socket.pause(); // read nothing until everything is written
    socket.on('connect', () => {
      socket.write(head);
      socket.write(body, () => {
        wroteAll = true;
        socket.resume();
      });
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ answer: Buffer.concat(chunks).toString('utf8'), error: error.code ?? error.message, wroteAll }),
    );
    socket.on('end', () => resolve({ answer: Buffer.concat(chunks).toString('utf8'), wroteAll }));
  });
}

const head = (runtime: TestRuntime, extra: string) =>
  `POST /v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${runtime.ingestToken}\r\nContent-Type: application/json\r\n${extra}\r\n`;

describe('an oversized body', () => {
  jest.setTimeout(60_000);
  let runtime: TestRuntime;

  beforeAll(async () => {
    runtime = await startTestRuntime();
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('is answered 413 to a client that writes 6 MiB (Content-Length) in full before reading', async () => {
    const body = Buffer.alloc(BODY_BYTES, 'a');

    const { answer, error, wroteAll } = await writeAllThenRead(
      runtime.url,
      head(runtime, `Content-Length: ${body.length}\r\n`),
      body,
    );

    expect(error).toBeUndefined();
    expect(wroteAll).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"code":"PAYLOAD_TOO_LARGE"');
  });

  it('is answered 413 when the body is chunked and only its size gives it away', async () => {
    const piece = Buffer.alloc(256 * 1024, 'b');
    const chunked = Buffer.concat([
      ...Array.from({ length: BODY_BYTES / piece.length }, () =>
        Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]),
      ),
      Buffer.from('0\r\n\r\n'),
    ]);

    const { answer, error } = await writeAllThenRead(
      runtime.url,
      head(runtime, 'Transfer-Encoding: chunked\r\n'),
      chunked,
    );

    expect(error).toBeUndefined();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain(`The body exceeds ${MAX_BODY_BYTES} bytes`);
  });

  it("is answered 413 to Python's urllib", async () => {
    const script = [
      'import sys, urllib.request, urllib.error',
      'req = urllib.request.Request(sys.argv[1], data=b"x" * int(sys.argv[3]), method="POST",',
      '    headers={"Authorization": "Bearer " + sys.argv[2], "Content-Type": "application/json"})',
      'try:',
      '    urllib.request.urlopen(req, timeout=20)',
      '    print("no error")',
      'except urllib.error.HTTPError as e:',
      '    print(e.code, e.read().decode())',
    ].join('\n');

    const { stdout } = await promisify(execFile)('python3', [
      '-c',
      script,
      `${runtime.url}/v1/alerts`,
      runtime.ingestToken,
      String(BODY_BYTES),
    ]);

    expect(stdout).toMatch(/^413 /);
    expect(stdout).toContain('PAYLOAD_TOO_LARGE');
  });
});
