/**
 * The schema of the deployment environment: the definition functions/env.ts validates against.
 * It loads only when an environment needs it (functions/env.ts has a hand-written fast path for
 * well-formed ones), so zod is not loaded at every cold start.
 */
import { parseDuration } from '../lib/domain/durations';
import * as z from '../lib/zod';

const nonEmpty = () => z.string().check(z.minLength(1));

export function buildEnvSchema() {
  return z
    .object({
      ALERTMAIL_CONFIG_TABLE: nonEmpty(),
      ALERTMAIL_STATE_TABLE: nonEmpty(),
      ALERTMAIL_DELIVERIES_TABLE: nonEmpty(),
      /** `secretsmanager` on AWS, `file` for the local runtime (0600 files in ALERTMAIL_DATA_DIR). */
      ALERTMAIL_SECRETS_BACKEND: z.enum(['secretsmanager', 'file']),
      /** Secrets Manager secret holding the SMTP password (secretsmanager backend). */
      ALERTMAIL_SMTP_SECRET_ID: z.optional(nonEmpty()),
      /** Secrets Manager secret holding `{"admin":["…"],"ingest":["…"]}` (secretsmanager backend). */
      ALERTMAIL_TOKENS_SECRET_ID: z.optional(nonEmpty()),
      ALERTMAIL_DATA_DIR: z.optional(nonEmpty()),
      ALERTMAIL_TRANSPORT: z._default(z.enum(['smtp', 'ses']), 'smtp'),
      /** The verified SES identity (domain or address) the ses transport sends as. */
      ALERTMAIL_SES_IDENTITY: z.optional(nonEmpty()),
      ALERTMAIL_DEFAULT_REPEAT_INTERVAL: z
        ._default(z.string(), '12h')
        .check(z.refine((value) => parseDuration(value) !== undefined, 'must be a duration like 30m, 12h or 1d')),
      /** Seconds a token list is cached: rotation takes effect within this time. */
      ALERTMAIL_TOKEN_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(3600)), 60),
      /** Local runtime only: the DynamoDB Local endpoint. */
      ALERTMAIL_DYNAMODB_ENDPOINT: z.optional(z.string().check(z.url())),
      /** Local runtime / tests only: the SES endpoint (aws-ses-v2-local). */
      ALERTMAIL_SES_ENDPOINT: z.optional(z.string().check(z.url())),
    })
    .check(
      z.superRefine((env, ctx) => {
        if (env.ALERTMAIL_SECRETS_BACKEND === 'secretsmanager') {
          for (const key of ['ALERTMAIL_SMTP_SECRET_ID', 'ALERTMAIL_TOKENS_SECRET_ID'] as const) {
            if (!env[key])
              ctx.addIssue({ code: 'custom', path: [key], message: 'required with the secretsmanager backend' });
          }
        } else if (!env.ALERTMAIL_DATA_DIR) {
          ctx.addIssue({ code: 'custom', path: ['ALERTMAIL_DATA_DIR'], message: 'required with the file backend' });
        }
      }),
    );
}
