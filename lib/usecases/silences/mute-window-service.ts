import { MAX_MUTE_WINDOWS, type MuteWindow, windowProblems } from '../../domain/mute-windows';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { DocumentStore, MuteWindowsDocument } from '../../ports';
import { updateDocument } from './documents';

export interface MuteWindowServiceDeps {
  readonly store: DocumentStore<MuteWindowsDocument>;
}

const EMPTY: MuteWindowsDocument = { windows: [] };

/** Mute windows by name, all in one document. */
export class MuteWindowService {
  constructor(private readonly deps: MuteWindowServiceDeps) {}

  async list(): Promise<MuteWindow[]> {
    return [...((await this.deps.store.load())?.value.windows ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<MuteWindow> {
    const window = (await this.list()).find((w) => w.name === name);
    if (!window) throw new NotFoundError(`No mute window ${name}`);
    return window;
  }

  /** Creates or replaces; `created` says which. */
  async put(window: MuteWindow): Promise<{ window: MuteWindow; created: boolean }> {
    const problems = windowProblems(window);
    if (problems.length > 0) {
      throw new ValidationError(`Invalid mute window: ${problems[0]?.field} ${problems[0]?.message}`, problems);
    }
    return updateDocument(
      this.deps.store,
      EMPTY,
      (current) => {
        const created = !current.windows.some((w) => w.name === window.name);
        if (created && current.windows.length >= MAX_MUTE_WINDOWS) {
          throw new ConflictError(`At most ${MAX_MUTE_WINDOWS} mute windows; delete one first`);
        }
        const windows = created
          ? [...current.windows, window]
          : current.windows.map((w) => (w.name === window.name ? window : w));
        return { value: { windows }, result: { window, created } };
      },
      'mute windows',
    );
  }

  async delete(name: string): Promise<void> {
    await updateDocument(
      this.deps.store,
      EMPTY,
      (current) => {
        if (!current.windows.some((w) => w.name === name)) throw new NotFoundError(`No mute window ${name}`);
        return { value: { windows: current.windows.filter((w) => w.name !== name) }, result: undefined };
      },
      'mute windows',
    );
  }
}
