import type { ConfigService } from './config/service';
import { MailDeliveryError, NotConfiguredError } from './errors';
import type { Notifier } from './notifier';
import { requestSchemas } from './request-schemas';
import { parseWith } from './validation';

/** The seed's promise: an answer within 15 s, success or the mail server's own words. */
export const TEST_MESSAGE_DEADLINE_MS = 14_000;

export interface TestMessageResult {
  readonly sent: true;
  readonly messageId: string;
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
}

/** Send Test Message with the saved settings, or the draft in the body (the saved password when the draft has none). */
export async function sendTestMessage(
  body: unknown,
  deps: { config: ConfigService; notifier: Notifier },
): Promise<TestMessageResult> {
  const request = parseWith(requestSchemas().TestMessageRequestSchema, body ?? {});
  const stored = await deps.config.get();
  const recipients = request.recipients ?? stored.recipients;
  const server = await deps.config.mailServer(stored, request.server);
  if (!server) throw new NotConfiguredError('No mail server is configured', [{ field: 'server', message: 'not set' }]);
  if (recipients.length === 0) {
    throw new NotConfiguredError('No recipient is configured', [{ field: 'recipients', message: 'empty' }]);
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new MailDeliveryError('SMTP_TIMEOUT', 'The mail server did not answer within 14 seconds')),
      TEST_MESSAGE_DEADLINE_MS,
    );
  });
  try {
    const delivery = await Promise.race([deps.notifier.deliverTest(recipients, server), deadline]);
    return {
      sent: true,
      messageId: delivery.messageId ?? '',
      accepted: delivery.accepted,
      rejected: delivery.rejected,
    };
  } finally {
    clearTimeout(timer);
  }
}
