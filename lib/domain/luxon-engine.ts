/** luxon (~70 KB), in a chunk of its own beside the bundle (cdk/function.ts LAZY_CHUNKS): loaded with the first mute window. */
export { DateTime } from 'luxon';
