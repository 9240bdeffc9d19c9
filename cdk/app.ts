/**
 * `cdk synth` / `cdk deploy` entry (cdk.json: `npx tsx cdk/app.ts`).
 *
 * Context (cdk.json or `-c key=value`), validated in cdk/settings.ts:
 *   alertmail:transport             smtp | ses                        (default smtp)
 *   alertmail:sesIdentity           verified SES domain or address    (required with ses)
 *   alertmail:defaultRepeatInterval 30m, 12h, 1d…                     (default 12h)
 *   alertmail:retainData            keep tables/secrets on destroy   (default true)
 *   alertmail:cloudwatchAlarms      EventBridge rule for CloudWatch   (default false)
 *   alertmail:throttleRate          requests/s for the API            (default 50)
 *   alertmail:throttleBurst         burst requests                    (default 100)
 *   alertmail:alarmEmail            email for the stack's own alarms (new SNS topic)
 *   alertmail:alarmTopicArn         existing SNS topic for the stack's own alarms
 *   alertmail:logRetentionDays      log retention in days             (default 30)
 *   alertmail:stackName             CloudFormation stack name         (default Alertmail)
 *   alertmail:adoptConfigTable, adoptStateTable, adoptDeliveriesTable   retained table names to use
 *   alertmail:adoptSmtpSecret, adoptTokensSecret                         retained secrets' complete ARNs
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidSettingsError, readSettings } from './settings';
import { AlertmailStack } from './stack';

const app = new App();
try {
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stackName = app.node.tryGetContext('alertmail:stackName') ?? 'Alertmail';
  if (typeof stackName !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new InvalidSettingsError([
      `alertmail:stackName: not a CloudFormation stack name: ${JSON.stringify(stackName)}`,
    ]);
  }
  // Environment-agnostic (no env): nothing is looked up at synth, so synth works offline and
  // the template deploys to whichever account and region the CLI's credentials point at.
  new AlertmailStack(app, stackName, { settings });
} catch (error) {
  // Fail synth loudly with the problem list, not a stack trace.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
// cdk-nag 3 runs as a policy-validation plugin at synth: an unacknowledged error finding fails synth,
// and every finding lands in cdk.out/policy-validation-report.json.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
