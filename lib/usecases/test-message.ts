import { TEST_MESSAGE_DEADLINE_MS } from '../deadlines';
import type { TestMessageRequest } from '../domain/config';
import type { RenderedMail } from '../domain/mail/render';
import { NotConfiguredError, ValidationError } from '../errors';
import type { ConfigService } from './config/service';
import type { MailDelivery } from './mail-delivery';

export interface TestMessageResult {
  readonly sent: true;
  readonly messageId: string;
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
}

/** Send Test Message with the saved settings, or the draft in the body (the saved password when the draft has none). */
export async function sendTestMessage(
  request: TestMessageRequest,
  deps: { config: ConfigService; mailDelivery: MailDelivery },
  /** A template preview to send instead of the test message's own text (POST /v1/templates/preview `send`). */
  preview?: RenderedMail,
): Promise<TestMessageResult> {
  const stored = await deps.config.get();
  const recipients = request.recipients ?? stored.recipients;
  const server = await deps.config.mailServer(stored, request.server);
  if (!server) throw new NotConfiguredError('No mail server is configured', [{ field: 'server', message: 'not set' }]);
  if (server.auth && server.auth.clientSecret === undefined) {
    // As PUT /v1/config/server would refuse it: no secret stored for this provider, none typed.
    const message = 'is required: no client secret is stored for this sign-in';
    throw new ValidationError(`Invalid request body: server.auth.clientSecret: ${message}`, [
      { field: 'server.auth.clientSecret', message },
    ]);
  }
  if (recipients.length === 0) {
    throw new NotConfiguredError('No recipient is configured', [{ field: 'recipients', message: 'empty' }]);
  }
  // The mail (connection, each command, the whole session) ends by the deadline; the record after it by 15 s.
  const start = Date.now();
  const delivery = await deps.mailDelivery.deliverTest(
    recipients,
    server,
    {
      send: start + TEST_MESSAGE_DEADLINE_MS,
      request: start + TEST_MESSAGE_DEADLINE_MS + 900,
    },
    preview,
  );
  return {
    sent: true,
    messageId: delivery.delivery.messageId ?? '',
    accepted: delivery.accepted,
    // Refused, or not reached (a chunk that failed): either way they did not get it.
    rejected: [...delivery.rejected.map((r) => r.address), ...delivery.pending],
  };
}
