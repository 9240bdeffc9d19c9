import { type SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { MailDeliveryError } from '../errors';
import type { Mailer, OutgoingMail, SendResult } from '../ports';

/** Sends the same MIME bytes as the SMTP mailer through SES SendRawEmail, with the Lambda role's credentials. */
export class SesMailer implements Mailer {
  constructor(private readonly client: SESClient) {}

  async send(mail: OutgoingMail): Promise<SendResult> {
    try {
      const out = await this.client.send(
        new SendRawEmailCommand({
          Source: mail.from,
          Destinations: [...mail.to],
          RawMessage: { Data: mail.raw },
        }),
      );
      return { messageId: out.MessageId ?? mail.messageId, accepted: [...mail.to], rejected: [] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const name = error instanceof Error ? error.name : 'Error';
      throw new MailDeliveryError('SES_REJECTED', `Amazon SES refused the message: ${name}: ${message}`);
    }
  }
}
