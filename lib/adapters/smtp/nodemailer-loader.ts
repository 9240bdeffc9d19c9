/**
 * nodemailer's parts (nodemailer-parts.ts), loaded once per process with the first mail. Kept as
 * one promise: a repeated `import()` is not free (under tsx, which `npm start` runs, each one is a
 * round trip to its loader thread: ~2 ms of the 2.4 ms compose of a one-alert mail, measured with
 * `npx tsx` in a hot loop, BENCHMARKS.md issue 19).
 */
type NodemailerParts = typeof import('./nodemailer-parts');

let parts: Promise<NodemailerParts> | undefined;

export function nodemailerParts(): Promise<NodemailerParts> {
  parts ??= import('./nodemailer-parts');
  return parts;
}
