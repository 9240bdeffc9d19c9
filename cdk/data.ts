/**
 * alertmail's data: the three tables and the two secrets, each created by the stack or, with an
 * `alertmail:adopt…` key (cdk/settings.ts), adopted from an earlier deployment whose retained
 * resource outlived `cdk destroy`. An adopted resource is referenced, never modified or deleted by
 * this stack, and its grants name exactly it, as a created one's do.
 *
 * Constructs are made in the stack's own scope with the ids they always had, so the logical IDs of
 * a running deployment's tables and secrets do not change (a changed logical ID replaces a table).
 */
import { Fn, RemovalPolicy, SecretValue, type Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { MUTED_INDEX } from '../lib/adapters/dynamodb/dynamo-items';
import type { AlertmailSettings } from './settings';

export interface AlertmailData {
  readonly configTable: ITable;
  readonly stateTable: ITable;
  readonly deliveriesTable: ITable;
  readonly smtpSecret: ISecret;
  readonly tokensSecret: ISecret;
  /** The secrets the generated tokens come from; none when the tokens secret is adopted. */
  readonly tokenSeeds: readonly Secret[];
  /** The secrets this stack created (for the cdk-nag acknowledgements): none of the adopted ones. */
  readonly createdSecrets: { readonly smtp?: Secret; readonly tokens?: Secret };
}

export function alertmailData(stack: Stack, settings: AlertmailSettings): AlertmailData {
  const dataRemoval = settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

  const table = (tableId: string, adoptName: string | undefined, withSortKey: boolean, ttl: boolean): ITable =>
    adoptName !== undefined
      ? Table.fromTableName(stack, tableId, adoptName)
      : new Table(stack, tableId, {
          partitionKey: { name: 'pk', type: AttributeType.STRING },
          sortKey: withSortKey ? { name: 'sk', type: AttributeType.STRING } : undefined,
          timeToLiveAttribute: ttl ? 'expiresAt' : undefined,
          billingMode: BillingMode.PAY_PER_REQUEST,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          deletionProtection: settings.retainData,
          removalPolicy: dataRemoval,
        });
  const configTable = table('ConfigTable', settings.adoptConfigTable, false, false);
  // TTL only cleans up: the ingest's claim condition compares expiresAt itself.
  const stateTable = table('StateTable', settings.adoptStateTable, false, true);
  // Sparse: only held alerts' states carry `mutedIndex`; the sweeper queries them oldest first, never scans
  // (lib/adapters/dynamodb/tables.ts declares the same). An adopted table must already have it.
  if (stateTable instanceof Table) {
    stateTable.addGlobalSecondaryIndex({
      indexName: MUTED_INDEX,
      partitionKey: { name: 'mutedIndex', type: AttributeType.STRING },
      sortKey: { name: 'mutedAt', type: AttributeType.NUMBER },
      projectionType: ProjectionType.ALL,
    });
  }
  const deliveriesTable = table('DeliveriesTable', settings.adoptDeliveriesTable, true, true);

  // The SMTP password is write-only through the API (PutSecretValue). CloudFormation
  // cannot create a secret without a value, so it starts as a random placeholder nobody knows.
  const smtpSecret: ISecret =
    settings.adoptSmtpSecret !== undefined
      ? Secret.fromSecretCompleteArn(stack, 'SmtpPasswordSecret', settings.adoptSmtpSecret)
      : new Secret(stack, 'SmtpPasswordSecret', {
          description: 'alertmail SMTP password, written by PUT /v1/config/server (placeholder until then)',
          generateSecretString: { passwordLength: 32, excludePunctuation: true },
          removalPolicy: dataRemoval,
        });
  const smtp = smtpSecret instanceof Secret ? smtpSecret : undefined;

  if (settings.adoptTokensSecret !== undefined) {
    return {
      configTable,
      stateTable,
      deliveriesTable,
      smtpSecret,
      tokensSecret: Secret.fromSecretCompleteArn(stack, 'TokensSecret', settings.adoptTokensSecret),
      tokenSeeds: [],
      createdSecrets: { smtp },
    };
  }
  // Bearer tokens, generated at deploy: `{"admin":["<48 chars>"],"ingest":["<48 chars>"]}`.
  // One generateSecretString yields a single random value, so each token is generated in its
  // own seed secret and the tokens secret is assembled from CloudFormation dynamic references:
  // the template holds `{{resolve:secretsmanager:…}}` references only, never a token.
  // CloudFormation resolves them when it creates the secret and never again (the template does
  // not change), so tokens rotated later with put-secret-value stay as the operator set them.
  const seed = (seedId: string, role: string): Secret =>
    new Secret(stack, seedId, {
      description: `alertmail: the ${role} token generated at deploy (copied once into the tokens secret; not read at run time)`,
      // Alphanumeric only: the value is spliced into JSON without escaping.
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: dataRemoval,
    });
  const adminSeed = seed('AdminTokenSeed', 'admin');
  const ingestSeed = seed('IngestTokenSeed', 'ingest');
  const resolve = (secret: Secret): string => secret.secretValue.unsafeUnwrap();
  const tokens = new Secret(stack, 'TokensSecret', {
    description: 'alertmail bearer tokens {"admin":[...],"ingest":[...]}: two per role during a rotation',
    secretStringValue: new SecretValue(
      Fn.join('', ['{"admin":["', resolve(adminSeed), '"],"ingest":["', resolve(ingestSeed), '"]}']),
    ),
    removalPolicy: dataRemoval,
  });
  return {
    configTable,
    stateTable,
    deliveriesTable,
    smtpSecret,
    tokensSecret: tokens,
    tokenSeeds: [adminSeed, ingestSeed],
    createdSecrets: { smtp, tokens },
  };
}
