/** What every view of the signed-in console shares: the API client, the state and its reducer, and page services. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Client } from './api';
import type { ApiErrorDetail } from './model';
import type { Action, ConsoleState } from './state';

export interface ConsoleServices {
  readonly api: Client;
  readonly state: ConsoleState;
  readonly dispatch: (action: Action) => void;
  /** Says `message` through the polite live region (screen readers). */
  readonly announce: (message: string) => void;
  /** Focuses the element with this id once the current update is on the page. */
  readonly focusAfterRender: (id: string) => void;
  /** Shows each detail beside its field and all of them in the summary at the top, then focuses the summary. */
  readonly showErrors: (details: readonly ApiErrorDetail[], lead?: string) => void;
  /** Reloads the deliveries and the mailbox (after a test message). */
  readonly refreshLogs: () => void;
  /** Ids of the controls the errors on the page mark invalid. */
  readonly invalid: ReadonlySet<string>;
}

export const Console = createContext<ConsoleServices | null>(null);

export function useConsole(): ConsoleServices {
  const services = useContext(Console);
  if (!services) throw new Error('alertmail console: a view rendered outside <Console.Provider>');
  return services;
}
