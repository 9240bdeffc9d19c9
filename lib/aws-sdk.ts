/**
 * The ports whose adapters use the AWS SDK's clients (the configuration store, the notification
 * states and the delivery log on DynamoDB; the secrets on Secrets Manager; mail through SES),
 * loaded on first use:
 * the SDK clients, their commands and the adapters are aws-sdk-parts.ts, which the Lambda bundles
 * carry as a file of their own beside index.js (cdk/function.ts LAZY_CHUNKS). An ingest whose
 * alerts are all already notified (Prometheus re-sending: the steady state) only reads, through
 * DynamoReadClient, so unless it needs a secret its cold start neither loads nor builds an SDK
 * client; the first claim, send or secret loads them. (On Lambda the API tokens come from Secrets
 * Manager with the first request, so a Lambda cold start loads them then.)
 */
import type { StoredConfig } from './config/model';
import type { SendRawEmail } from './mail/ses-mailer';
import type {
  Claim,
  ConfigStore,
  Delivery,
  DeliveryLog,
  DeliveryProgress,
  NotificationState,
  NotificationStateStore,
  SecretName,
  SecretStore,
} from './ports';
import type { ReadCredentials } from './store/dynamo-read-client';

export interface AwsSdkOptions {
  readonly dynamo: {
    /** A local endpoint (DynamoDB Local); unset on AWS, where the SDK resolves the regional one. */
    readonly endpoint?: string;
    /** Set with a local endpoint; on AWS the SDK's defaults apply (AWS_REGION, the Lambda role). */
    readonly region?: string;
    readonly credentials?: ReadCredentials;
    readonly tables: { readonly config: string; readonly state: string; readonly deliveries: string };
  };
  /** Set with the `ses` transport: SES's endpoint and credentials when local (aws-ses-v2-local). */
  readonly ses?: { readonly endpoint?: string; readonly region?: string; readonly credentials?: ReadCredentials };
  /** The Secrets Manager secret of each secret name; set with the `secretsmanager` backend only. */
  readonly secretIds?: Readonly<Record<SecretName, string>>;
}

export interface AwsSdkAdapters {
  readonly config: ConfigStore;
  readonly state: NotificationStateStore;
  readonly deliveries: DeliveryLog;
  readonly secrets?: SecretStore;
  /** SES SendRawEmail, with the `ses` transport. */
  readonly sendRawEmail?: SendRawEmail;
  /** The credentials the SDK's DynamoDB client resolved (its default chain on AWS). */
  credentials(): Promise<ReadCredentials>;
}

export class AwsSdk {
  private loading?: Promise<AwsSdkAdapters>;

  constructor(private readonly options: AwsSdkOptions) {}

  /** The SDK adapters, built once, at the first call. */
  adapters(): Promise<AwsSdkAdapters> {
    this.loading ??= import('./aws-sdk-parts').then((parts) => parts.createAwsSdkAdapters(this.options));
    return this.loading;
  }

  /** ConfigStore's versioned write (its reads go through the read client: functions/core.ts). */
  readonly saveConfig = async (config: StoredConfig, expectedVersion: number | null): Promise<boolean> =>
    (await this.adapters()).config.save(config, expectedVersion);

  readonly stateStore: NotificationStateStore = {
    getMany: async (fingerprints: readonly string[]): Promise<Map<string, NotificationState>> =>
      (await this.adapters()).state.getMany(fingerprints),
    claim: async (claims: readonly Claim[], claimId: string, now: Date, repeatIntervalMs: number) =>
      (await this.adapters()).state.claim(claims, claimId, now, repeatIntervalMs),
    complete: async (claims: readonly Claim[], claimId: string, now: Date, repeatIntervalMs: number) =>
      (await this.adapters()).state.complete(claims, claimId, now, repeatIntervalMs),
    release: async (claims: readonly Claim[], claimId: string, progress?: DeliveryProgress) =>
      (await this.adapters()).state.release(claims, claimId, progress),
    clear: async (fingerprints: readonly string[]) => (await this.adapters()).state.clear(fingerprints),
  };

  readonly deliveryLog: DeliveryLog = {
    record: async (delivery: Delivery) => (await this.adapters()).deliveries.record(delivery),
    list: async (limit: number): Promise<Delivery[]> => (await this.adapters()).deliveries.list(limit),
  };

  /** Secrets Manager, when the options name its secrets. */
  readonly secretStore: SecretStore = {
    get: async (name: SecretName) => (await this.secrets()).get(name),
    put: async (name: SecretName, value: string) => (await this.secrets()).put(name, value),
    erase: async (name: SecretName) => (await this.secrets()).erase(name),
  };

  /** SES SendRawEmail, when the options set `ses`. */
  readonly sendRawEmail: SendRawEmail = async (request) => {
    const { sendRawEmail } = await this.adapters();
    if (!sendRawEmail) throw new Error('alertmail: no SES transport configured');
    return sendRawEmail(request);
  };

  private async secrets(): Promise<SecretStore> {
    const { secrets } = await this.adapters();
    if (!secrets) throw new Error('alertmail: no Secrets Manager secrets configured');
    return secrets;
  }
}
