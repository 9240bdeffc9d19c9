/**
 * Wiring: the adapters each function needs, built once per process (cold start)
 * from the validated deployment environment. The ingest path's part is functions/core.ts;
 * this adds the configuration writes (ConfigService) the config API and the local runtime use.
 */

import type { Logger } from '../lib/log';
import { ConfigService } from '../lib/usecases/config/service';
import { type CoreApp, createCoreApp } from './core';
import { type DeploymentEnv, readEnv } from './env';

export interface App extends CoreApp<ConfigService> {}

export function createApp(env: DeploymentEnv, options: { log?: Logger; clock?: () => Date } = {}): App {
  return createCoreApp(env, options, (deps) => new ConfigService(deps));
}

let processApp: App | undefined;
/** The process-wide app, built at the first import of a function module (the Lambda cold start). */
export function appFromEnvironment(): App {
  processApp ??= createApp(readEnv());
  return processApp;
}
