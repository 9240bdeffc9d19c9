import type { SendRawEmailRequest, SendRawEmailResponse } from '@aws-sdk/client-ses';
import { MailDeliveryError } from '../errors';
import type { Mailer, OutgoingMail, SendResult } from '../ports';

/** One SES SendRawEmail call: the SDK's SESClient sending a SendRawEmailCommand (lib/aws-sdk-parts.ts). */
export type SendRawEmail = (request: SendRawEmailRequest) => Promise<SendRawEmailResponse>;

/**
 * Sends the same MIME bytes as the SMTP mailer through SES SendRawEmail, with the Lambda role's
 * credentials. The SES client is passed in as its one call, so this module (and the errors it
 * throws) stays in the function's index.js while the SDK client loads with the first mail.
 */
export class SesMailer implements Mailer {
  constructor(private readonly sendRawEmail: SendRawEmail) {}

  async send(mail: OutgoingMail): Promise<SendResult> {
    try {
      const out = await this.sendRawEmail({
        Source: mail.from,
        Destinations: [...mail.to],
        RawMessage: { Data: mail.raw },
      });
      return { messageId: out.MessageId ?? mail.messageId, accepted: [...mail.to], rejected: [] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const name = error instanceof Error ? error.name : 'Error';
      throw new MailDeliveryError('SES_REJECTED', `Amazon SES refused the message: ${name}: ${message}`);
    }
  }
}
