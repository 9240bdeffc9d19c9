/**
 * The parts of nodemailer a mail needs: its MIME composer (with the MIME type table, ~100 KB) and its
 * SMTP client (which loads net, tls and dns). compose.ts and smtp-mailer.ts load this module with the
 * first mail, never at a cold start; the Lambda bundles carry it as a file of its own beside index.js
 * (cdk/function.ts LAZY_CHUNKS), so Node does not even parse it until then.
 */
export * as base64 from 'nodemailer/lib/base64';
export { default as MailComposer } from 'nodemailer/lib/mail-composer';
export * as qp from 'nodemailer/lib/qp';
export { default as SMTPConnection } from 'nodemailer/lib/smtp-connection';
