/**
 * `zod/mini` with English messages: the runtime's schemas use it because classic zod's method API
 * cannot be tree-shaken and costs ~75 KB more in a Lambda bundle (see BENCHMARKS.md). It is the same
 * library (same checks, same issues); only classic zod registers its English locale by itself, on
 * its first schema. Without this, mini's messages would be the bare "Invalid input".
 */

import { en } from 'zod/locales';
import { config } from 'zod/mini';

// As classic zod does it: only when no locale is configured yet.
if (!config().localeError) config(en());

export * from 'zod/mini';
