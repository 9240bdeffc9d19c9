import { randomUUID } from 'node:crypto';
import type { Alert } from './alerts/model';
import { chunk, mapLimit } from './concurrency';
import type { MailServer } from './config/model';
import { MailDeliveryError } from './errors';
import type { Logger } from './log';
import { composeMail, mailDomain, newMessageId, threadHeaders } from './mail/compose';
import { type RenderedMail, renderAlertMail, renderTestMail } from './mail/render';
import type { Delivery, DeliveryKind, DeliveryLog, Mailer, SendResult } from './ports';

/** SES and most relays cap recipients per message; beyond this the same mail goes out in several messages. */
export const MAX_RECIPIENTS_PER_MESSAGE = 50;
/** Messages of one delivery in flight at once (one per chunk of recipients). */
const SEND_CONCURRENCY = 4;

export interface NotifierDeps {
  readonly mailer: Mailer;
  readonly deliveries: DeliveryLog;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly transport: 'smtp' | 'ses';
}

export interface SentDelivery extends Delivery {
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
}

/** Renders, composes, sends (in recipient chunks) and records one delivery in the deliveries log. */
export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  deliverAlerts(
    kind: 'firing' | 'resolved',
    alerts: readonly Alert[],
    recipients: readonly string[],
    server: MailServer,
  ): Promise<SentDelivery> {
    const now = this.deps.clock();
    return this.deliver(kind, renderAlertMail(kind, alerts, now), alerts, recipients, server, now);
  }

  deliverTest(recipients: readonly string[], server: MailServer): Promise<SentDelivery> {
    const now = this.deps.clock();
    const about = this.deps.transport === 'ses' ? { transport: 'ses' as const } : server;
    return this.deliver('test', renderTestMail(now, about), [], recipients, server, now);
  }

  private async deliver(
    kind: DeliveryKind,
    rendered: RenderedMail,
    alerts: readonly Alert[],
    recipients: readonly string[],
    server: MailServer,
    now: Date,
  ): Promise<SentDelivery> {
    const domain = mailDomain(server.from);
    const thread = alerts.length > 0 ? threadHeaders(alerts, domain) : { references: [] };
    const base = {
      id: randomUUID(),
      at: now.toISOString(),
      kind,
      alerts: alerts.map((alert) => alert.fingerprint),
      recipients: [...recipients],
      subject: rendered.subject,
    };
    let results: SendResult[];
    try {
      // Every chunk is the same mail with its own Message-ID and To header (recipients never see each other beyond their chunk).
      results = await mapLimit(chunk(recipients, MAX_RECIPIENTS_PER_MESSAGE), SEND_CONCURRENCY, async (to) => {
        const mail = await composeMail({
          from: server.from,
          to,
          ...rendered,
          date: now,
          messageId: newMessageId(domain),
          inReplyTo: thread.inReplyTo,
          references: thread.references,
        });
        return this.deps.mailer.send(mail, server);
      });
    } catch (error) {
      const failure =
        error instanceof MailDeliveryError ? error : new MailDeliveryError('SMTP_CONNECTION_FAILED', String(error));
      const delivery: Delivery = { ...base, outcome: 'failed', error: `${failure.code}: ${failure.message}` };
      this.deps.log.error('delivery failed', {
        outcome: 'failed',
        deliveryId: delivery.id,
        kind,
        code: failure.code,
        alerts: alerts.length,
      });
      await this.record(delivery);
      throw failure;
    }
    const accepted = results.flatMap((result) => result.accepted);
    const rejected = results.flatMap((result) => result.rejected);
    const delivery: Delivery = { ...base, outcome: 'sent', error: null, messageId: results[0]?.messageId ?? '' };
    this.deps.log.info('delivery sent', { outcome: 'sent', deliveryId: delivery.id, kind, alerts: alerts.length });
    await this.record(delivery);
    return { ...delivery, accepted, rejected };
  }

  /** The log is a record, not part of the delivery: failing to write it must not fail (and so repeat) a sent mail. */
  private async record(delivery: Delivery): Promise<void> {
    try {
      await this.deps.deliveries.record(delivery);
    } catch (error) {
      this.deps.log.error('recording the delivery failed', {
        deliveryId: delivery.id,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
