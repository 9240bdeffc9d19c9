import { renderAlertMail } from './lib/mail/render';
import { MAIL_NOW, mailSets } from './test/fixtures/mail-sets';
const set = mailSets().find((s) => s.name === process.argv[2])!;
const m = renderAlertMail(set.kind, set.alerts, MAIL_NOW, { consoleUrl: 'https://alertmail.example/' });
console.log(m.html.length); console.log(m.html);
