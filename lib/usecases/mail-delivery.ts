import { randomUUID } from 'node:crypto';
import { composeMail, mailDomain, newMessageId, threadHeaders } from '../adapters/smtp/compose';
import { chunk, mapLimit, retryBounded } from '../concurrency';
import type { RequestDeadlines } from '../deadlines';
import type { Alert } from '../domain/alerts/model';
import type { MailServer } from '../domain/config';
import { type RenderedMail, renderTestMail } from '../domain/mail/render';
import { DEFAULT_TEMPLATE_NAME, type MailTemplate } from '../domain/mail/templates/model';
import { renderMail } from '../domain/mail/templates/render-mail';
import { MailDeliveryError, messageOf } from '../errors';
import type { Logger } from '../log';
import type {
  Delivery,
  DeliveryKind,
  DeliveryLog,
  Mailer,
  OutgoingMail,
  RecipientRejection,
  TemplateStore,
} from '../ports';

/** SES and most relays cap recipients per message; beyond this the same mail goes out in several messages. */
export const MAX_RECIPIENTS_PER_MESSAGE = 50;
/** Messages of one delivery in flight at once (one per chunk of recipients). */
const SEND_CONCURRENCY = 4;
/** Tries at writing a delivery's record (the mail is out; the record must follow it if it can). */
const RECORD_ATTEMPTS = 4;

export interface MailDeliveryDeps {
  readonly mailer: Mailer;
  readonly deliveries: DeliveryLog;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly transport: 'smtp' | 'ses';
  /** Where templates are stored; without it every mail is the shipped one. */
  readonly templates?: TemplateStore;
  /** The console's URL (ALERTMAIL_CONSOLE_URL): the mails' "Silence this" links and footer link. */
  readonly consoleUrl?: string;
}

/**
 * What one delivery did, recipient by recipient. Every recipient is in exactly one of `accepted`,
 * `rejected` (refused, with the reply; permanent or not) or `pending` (its message failed in a way a
 * retry may change: connection, timeout, a 4xx for the message). A rejected recipient whose
 * rejection is temporary is pending too: a retry may reach them.
 */
export interface DeliveryReport {
  readonly delivery: Delivery;
  readonly accepted: readonly string[];
  readonly rejected: readonly RecipientRejection[];
  /** Recipients a retry should send to. */
  readonly pending: readonly string[];
  /** Why recipients are pending or the delivery failed: the first failure. */
  readonly failure?: MailDeliveryError;
  /**
   * The deliveries-log write, still in flight (it never rejects): the caller awaits it beside the
   * `sent` marks, so the two writes after the send overlap instead of taking turns.
   */
  readonly recorded?: Promise<void>;
}

interface ChunkOutcome {
  readonly messageId?: string;
  readonly accepted: readonly string[];
  readonly rejected: readonly RecipientRejection[];
  readonly pending: readonly string[];
  readonly failure?: MailDeliveryError;
}

/** What an alert mail is about beyond its alerts. */
export interface AlertMailOptions {
  /** The route whose mail it is (recorded in the deliveries log). */
  readonly route: string;
  /** The template the route names (`default` when none). */
  readonly template?: string | undefined;
  /** Templates read already (the ingest keeps them per generation), by name; null: none stored. Others are read now, and added. */
  readonly templates?: Map<string, MailTemplate | null>;
}

/**
 * A mail rendered and composed, not sent: one message per chunk of recipients, each with its own
 * Message-ID and To header. The ingest prepares its mails while their claims are being written and
 * sends them once the claims are won (lib/usecases/ingest/service.ts); nothing here has an effect.
 */
export interface PreparedMail {
  readonly kind: DeliveryKind;
  readonly subject: string;
  readonly alerts: readonly Alert[];
  readonly recipients: readonly string[];
  readonly now: Date;
  readonly route?: string;
  readonly templateError?: string;
  readonly messages: readonly PreparedMessage[];
}

/** One message of a mail: its bytes, or why they could not be built (reported as that chunk's failure when sent). */
interface PreparedMessage {
  readonly to: readonly string[];
  readonly mail?: OutgoingMail;
  readonly error?: unknown;
}

/** Renders, composes, sends (in recipient chunks) and records one delivery in the deliveries log. */
export class MailDelivery {
  constructor(private readonly deps: MailDeliveryDeps) {}

  /** Readies a connection to the server for a send expected soon, the mailer's own way (none with SES or Graph). */
  prepareConnection(server: MailServer, deadlines: RequestDeadlines): void {
    this.deps.mailer.prepareConnection?.(server, deadlines.send);
  }

  /** Renders and composes an alert mail (its template read now unless `options.templates` has it); sends nothing. */
  async prepareAlerts(
    kind: 'firing' | 'resolved',
    alerts: readonly Alert[],
    recipients: readonly string[],
    server: MailServer,
    options: AlertMailOptions,
  ): Promise<PreparedMail> {
    const now = this.deps.clock();
    const templateName = options.template ?? DEFAULT_TEMPLATE_NAME;
    const { template, missing } = await this.template(templateName, options.templates);
    const { mail, templateError } = await renderMail(
      kind,
      alerts,
      now,
      { templateName, consoleUrl: this.deps.consoleUrl, route: options.route },
      template,
      missing,
    );
    if (templateError !== undefined) {
      this.deps.log.warn('template failed: the mail is the shipped default', { template: templateName, templateError });
    }
    return this.prepare(kind, mail, alerts, recipients, server, now, options.route, templateError);
  }

  /**
   * The template a mail names: from those read already, else read now (never on the ingest's no-send path).
   * Null: the shipped default (`default` unedited), or, with `missing`, why the named one is not used.
   */
  private async template(
    name: string,
    readAlready: Map<string, MailTemplate | null> | undefined,
  ): Promise<{ template: MailTemplate | null; missing?: string }> {
    if (!this.deps.templates) return { template: null };
    try {
      let template = readAlready?.get(name);
      if (template === undefined) {
        template = await this.deps.templates.get(name);
        readAlready?.set(name, template);
      }
      if (template === null && name !== DEFAULT_TEMPLATE_NAME) {
        return { template: null, missing: `template ${name}: no such template` };
      }
      return { template };
    } catch (error) {
      return { template: null, missing: `template ${name}: could not be read (${messageOf(error)})` };
    }
  }

  /** Throws the mail server's error when no recipient accepted the test message. */
  async deliverTest(
    recipients: readonly string[],
    server: MailServer,
    deadlines: RequestDeadlines,
    /** A template preview to send instead of the test message (POST /v1/templates/preview with `send`). */
    preview?: RenderedMail,
  ): Promise<DeliveryReport> {
    const now = this.deps.clock();
    const about =
      this.deps.transport === 'ses'
        ? { transport: 'ses' as const }
        : server.transport === 'graph'
          ? { transport: 'graph' as const, user: server.auth?.user ?? '' }
          : server;
    const rendered = preview ?? renderTestMail(now, about);
    const report = await this.send(
      await this.prepare('test', rendered, [], recipients, server, now),
      server,
      deadlines,
    );
    await report.recorded;
    if (report.accepted.length === 0) {
      throw (
        report.failure ??
        new MailDeliveryError('SMTP_REJECTED', `The mail server accepted no recipient: ${report.rejected[0]?.reply}`)
      );
    }
    return report;
  }

  private async prepare(
    kind: DeliveryKind,
    rendered: RenderedMail,
    alerts: readonly Alert[],
    recipients: readonly string[],
    server: MailServer,
    now: Date,
    route?: string,
    templateError?: string,
  ): Promise<PreparedMail> {
    const domain = mailDomain(server.from);
    const thread = alerts.length > 0 ? threadHeaders(alerts, domain) : { references: [] };
    // Every chunk is the same mail with its own Message-ID and To header (recipients never see each other beyond their chunk).
    const messages = await mapLimit(
      chunk(recipients, MAX_RECIPIENTS_PER_MESSAGE),
      SEND_CONCURRENCY,
      async (to): Promise<PreparedMessage> => {
        try {
          const mail = await composeMail({
            from: server.from,
            to,
            ...rendered,
            date: now,
            messageId: newMessageId(domain),
            inReplyTo: thread.inReplyTo,
            references: thread.references,
            ...(route === undefined ? {} : { route }),
          });
          return { to, mail };
        } catch (error) {
          return { to, error };
        }
      },
    );
    return {
      kind,
      subject: rendered.subject,
      alerts,
      recipients,
      now,
      messages,
      ...(route === undefined ? {} : { route }),
      ...(templateError === undefined ? {} : { templateError }),
    };
  }

  /** Sends a prepared mail's messages and records the delivery; never throws for the mail server's failures. */
  async send(prepared: PreparedMail, server: MailServer, deadlines: RequestDeadlines): Promise<DeliveryReport> {
    const { kind, alerts, recipients, now, route, templateError } = prepared;
    const outcomes = await mapLimit(prepared.messages, SEND_CONCURRENCY, async (message): Promise<ChunkOutcome> => {
      const { to } = message;
      try {
        if (!message.mail) throw message.error;
        const sent = await this.deps.mailer.send(message.mail, server, deadlines.send);
        return {
          messageId: sent.messageId,
          accepted: sent.accepted,
          rejected: sent.rejected,
          pending: sent.rejected.filter((r) => !r.permanent).map((r) => r.address),
        };
      } catch (error) {
        const failure =
          error instanceof MailDeliveryError ? error : new MailDeliveryError('SMTP_CONNECTION_FAILED', String(error));
        // Refused for good: each of the chunk's recipients refused with the server's words. Else a retry may reach them.
        return failure.permanent
          ? {
              accepted: [],
              rejected: to.map((address) => ({ address, reply: failure.message, permanent: true })),
              pending: [],
              failure,
            }
          : { accepted: [], rejected: [], pending: [...to], failure };
      }
    });
    const accepted = outcomes.flatMap((o) => o.accepted);
    const rejected = outcomes.flatMap((o) => o.rejected);
    const pending = outcomes.flatMap((o) => o.pending);
    const failure = outcomes.find((o) => o.failure)?.failure;
    const failed = accepted.length === 0 || pending.length > 0;
    const permanent = accepted.length === 0 && pending.length === 0;
    const reply = failure ? `${failure.code}: ${failure.message}` : (rejected[0]?.reply ?? 'no recipient accepted');
    const delivery: Delivery = {
      id: randomUUID(),
      at: now.toISOString(),
      kind,
      alerts: alerts.map((alert) => alert.fingerprint),
      recipients: [...recipients],
      subject: prepared.subject,
      outcome: failed ? 'failed' : 'sent',
      error: failed ? reply : null,
      messageId: outcomes.find((o) => o.messageId)?.messageId ?? '',
      accepted,
      rejected,
      ...(failed ? { permanent } : {}),
      ...(templateError === undefined ? {} : { templateError }),
      ...(route === undefined ? {} : { route }),
    };
    const fields = {
      deliveryId: delivery.id,
      kind,
      alerts: alerts.length,
      accepted: accepted.length,
      ...(route === undefined ? {} : { route }),
    };
    if (failed) {
      this.deps.log.error('delivery failed', {
        outcome: 'failed',
        permanent,
        code: failure?.code ?? 'SMTP_REJECTED',
        pending: pending.length,
        ...fields,
      });
    } else {
      this.deps.log.info('delivery sent', { outcome: 'sent', rejected: rejected.length, ...fields });
    }
    const recorded = this.record(delivery, deadlines.request);
    return { delivery, accepted, rejected, pending, failure, recorded };
  }

  /**
   * The log is a record, not part of the delivery: it is retried (bounded), and failing to write it
   * must not fail (and so repeat) a sent mail; a warning names what it was about.
   */
  private async record(delivery: Delivery, deadline: number): Promise<void> {
    try {
      await retryBounded(() => this.deps.deliveries.record(delivery), RECORD_ATTEMPTS, deadline);
    } catch (error) {
      this.deps.log.warn('recording the delivery failed', {
        deliveryId: delivery.id,
        kind: delivery.kind,
        outcome: delivery.outcome,
        alerts: delivery.alerts,
        message: messageOf(error),
      });
    }
  }
}
