import type { SendRawEmailRequest, SendRawEmailResponse } from '@aws-sdk/client-ses';
import { MailDeliveryError, messageOf } from '../../errors';
import type { Mailer, OutgoingMail, SendResult } from '../../ports';

/** One SES SendRawEmail call: the SDK's SESClient sending a SendRawEmailCommand (lib/adapters/aws-sdk.ts), abortable. */
export type SendRawEmail = (request: SendRawEmailRequest, abortSignal?: AbortSignal) => Promise<SendRawEmailResponse>;

/**
 * SES errors no retry changes: the message or its sender refused as such. Throttling, service
 * errors, timeouts and a paused account (the operator resumes it) may pass on a retry.
 */
const PERMANENT_SES_ERRORS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'InvalidParameterValue',
  'ConfigurationSetDoesNotExistException',
]);

/**
 * Sends the same MIME bytes as the SMTP mailer through SES SendRawEmail, with the Lambda role's
 * credentials. The SES client is passed in as its one call, so this module (and the errors it
 * throws) stays in the function's index.js while the SDK client loads with the first mail.
 */
export class SesMailer implements Mailer {
  constructor(private readonly sendRawEmail: SendRawEmail) {}

  async send(mail: OutgoingMail, _server: unknown, deadline: number): Promise<SendResult> {
    const budgetMs = Math.max(0, deadline - Date.now());
    try {
      const out = await this.sendRawEmail(
        { Source: mail.from, Destinations: [...mail.to], RawMessage: { Data: mail.raw } },
        AbortSignal.timeout(Math.max(1, budgetMs)),
      );
      return { messageId: out.MessageId ?? mail.messageId, accepted: [...mail.to], rejected: [] };
    } catch (error) {
      const message = messageOf(error);
      const name = error instanceof Error ? error.name : 'Error';
      if (name === 'AbortError' || name === 'TimeoutError') {
        throw new MailDeliveryError('SES_REJECTED', `Amazon SES did not answer within the send deadline: ${message}`);
      }
      throw new MailDeliveryError(
        'SES_REJECTED',
        `Amazon SES refused the message: ${name}: ${message}`,
        // An unverified identity is the operator's to fix (as a failed sign-in is): the retry then sends.
        PERMANENT_SES_ERRORS.has(name) && !/not verified/i.test(message),
      );
    }
  }
}
