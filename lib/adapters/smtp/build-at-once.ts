/**
 * nodemailer's build of a message done in one synchronous pass, for the tree composeMail makes: a
 * multipart node whose parts are text held as strings. The bytes are those of `node.build()`: the
 * node's headers, each part's headers and its content through nodemailer's own encoder of the
 * part's transfer encoding (fed the content as one chunk, as build() feeds it), the boundaries,
 * CRLF line ends. build() streams the same through a pipeline that takes a turn of the event loop
 * at every step (`setImmediate`); on the ingest's path that finished after the claim it overlaps
 * (BENCHMARKS.md, issue 19). test/unit/build-at-once.test.ts checks the bytes are build()'s for
 * any text, subject and names. Any other tree (an attachment, a stream, a raw node), or an
 * encoder that does not answer at once: undefined, and the caller builds it with build().
 */
import type { Transform, TransformCallback } from 'node:stream';
import type { Encoder as Base64Encoder } from 'nodemailer/lib/base64';
import type MimeNode from 'nodemailer/lib/mime-node';
import type { Encoder as QpEncoder } from 'nodemailer/lib/qp';

/** nodemailer's encoder streams (`nodemailer/lib/qp`, `nodemailer/lib/base64`), loaded with its other parts. */
export interface TransferEncoders {
  readonly qp: { readonly Encoder: typeof QpEncoder };
  readonly base64: { readonly Encoder: typeof Base64Encoder };
}

/** A part buildAtOnce can write: text content held as a string, no children, no stream of its own. */
function isStringPart(node: MimeNode): node is MimeNode & { content: string } {
  return typeof node.content === 'string' && node.childNodes.length === 0 && !hasOwnStream(node);
}

/** Transforms, process functions or a raw source: build() would apply them; buildAtOnce does not. */
function hasOwnStream(node: MimeNode): boolean {
  // nodemailer keeps these as `_raw` (false when unset), `_transforms` and `_processFuncs`.
  const internals = node as unknown as { _raw?: unknown; _transforms?: unknown[]; _processFuncs?: unknown[] };
  return (
    (internals._raw !== undefined && internals._raw !== false) ||
    (internals._transforms?.length ?? 0) > 0 ||
    (internals._processFuncs?.length ?? 0) > 0
  );
}

/**
 * One chunk through a transform stream's own `_transform` and `_flush`, collecting what it pushes:
 * undefined if either does not call back at once (then it is not the encoder this was written for).
 */
function throughAtOnce(encoder: Transform, chunk: Buffer): Buffer | undefined {
  const out: Buffer[] = [];
  // The encoders push ASCII strings (or Buffers): taken as the bytes the stream would carry.
  encoder.push = (pushed: unknown, encoding?: BufferEncoding) => {
    if (Buffer.isBuffer(pushed)) out.push(pushed);
    else if (typeof pushed === 'string') out.push(Buffer.from(pushed, encoding));
    return true;
  };
  let calledBack = 0;
  let failed = false;
  const done: TransformCallback = (error) => {
    calledBack++;
    if (error) failed = true;
  };
  // A Buffer chunk, as a stream hands it over (its encoding then reads 'buffer').
  encoder._transform(chunk, 'buffer' as BufferEncoding, done);
  encoder._flush(done);
  return calledBack === 2 && !failed ? Buffer.concat(out) : undefined;
}

export function buildAtOnce(root: MimeNode, encoders: TransferEncoders): Buffer | undefined {
  if (root.content !== undefined || hasOwnStream(root) || root.childNodes.length === 0) return undefined;
  if (!root.childNodes.every(isStringPart)) return undefined;
  // The headers first: building them is what sets the boundary.
  const head = root.buildHeaders();
  const boundary = root.boundary;
  if (typeof boundary !== 'string') return undefined;
  // Strings are written as UTF-8, as build() writes them to its stream; the contents' bytes as they are.
  const out: Buffer[] = [Buffer.from(`${head}\r\n\r\n`)];
  for (const [i, part] of (root.childNodes as (MimeNode & { content: string })[]).entries()) {
    // Headers first: they set Content-Transfer-Encoding, so asking for it then does not scan the content again.
    out.push(Buffer.from(`${i > 0 ? '\r\n' : ''}--${boundary}\r\n${part.buildHeaders()}\r\n\r\n`));
    const encoding = part.getTransferEncoding();
    const content = Buffer.from(part.content);
    // As build() makes them for a text part (no options but `binary: false`).
    const encoder =
      encoding === 'quoted-printable'
        ? new encoders.qp.Encoder({ binary: false })
        : encoding === 'base64'
          ? new encoders.base64.Encoder({})
          : undefined;
    const body = encoder ? throughAtOnce(encoder, content) : content;
    if (body === undefined) return undefined;
    out.push(body);
  }
  out.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  // build() ends with nodemailer's CRLF transform (`newline: 'win'`): a lone LF becomes CRLF, on the
  // bytes. composeMail's parts have CRLF line ends already, so the message is mostly returned as is.
  const message = Buffer.concat(out);
  return hasLoneLf(message) ? Buffer.from(message.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1') : message;
}

/** Whether an LF is not preceded by CR (a native search per line, no copy). */
function hasLoneLf(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) {
    if (at === 0 || bytes[at - 1] !== 0x0d) return true;
  }
  return false;
}
