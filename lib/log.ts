/** Structured JSON logs, one line per event. Callers pass facts, never request bodies, headers or secrets. */
export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/**
 * Environment variable with the CloudFormation stack's name, set by cdk/stack.ts on every function.
 * Each line carries it as `stack`: the stack's metric filters take it as the metric's `Stack`
 * dimension, so two stacks in one account do not trigger each other's alarms.
 */
export const STACK_NAME_ENV = 'ALERTMAIL_STACK_NAME';

export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  stack: string | undefined = process.env[STACK_NAME_ENV] || undefined,
): Logger {
  const emit =
    (level: string) =>
    (msg: string, fields: LogFields = {}) =>
      write(JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields, ...(stack ? { stack } : {}) }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
