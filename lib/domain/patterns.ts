/**
 * The `Matches` / `NotMatches` patterns: RE2 syntax, anchored at both ends as Alertmanager's `=~`
 * (the whole value must match), evaluated by re2js in linear time. The engine is loaded with the
 * first pattern (`loadPatternEngine`), so a config without patterns never pays for it; compiled
 * patterns are kept, as a pattern's meaning never changes.
 */
import { ValidationError } from '../errors';
import type { Condition } from './config';

type Engine = typeof import('./re2-engine');
type Compiled = { matches(input: string): boolean };

/** Longest pattern accepted; RE2 compiles in time linear in the pattern, this bounds the memory. */
export const MAX_PATTERN_LENGTH = 1024;
/** Compiled patterns kept per process (a config holds at most a few thousand). */
const CACHE_LIMIT = 5_000;

let engine: Engine | undefined;
const compiled = new Map<string, Compiled>();

export const isPatternOperator = (operator: Condition['operator']): operator is 'Matches' | 'NotMatches' =>
  operator === 'Matches' || operator === 'NotMatches';

/** Loads the engine if any of these conditions holds a pattern; after it, `patternMatches` is synchronous. */
export async function loadPatternEngine(conditions: Iterable<Condition>): Promise<void> {
  if (engine) return;
  for (const condition of conditions) {
    if (isPatternOperator(condition.operator)) {
      engine = await import('./re2-engine');
      return;
    }
  }
}

function compile(pattern: string): Compiled {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  if (!engine) throw new Error('the pattern engine is not loaded: call loadPatternEngine first');
  const re = engine.RE2JS.compile(pattern);
  if (compiled.size >= CACHE_LIMIT) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

/** Does the whole value match the pattern (RE2, anchored at both ends)? */
export function patternMatches(pattern: string, value: string): boolean {
  return compile(pattern).matches(value);
}

/** What is wrong with a pattern, in RE2's words, or undefined when it compiles. */
export async function patternError(pattern: string): Promise<string | undefined> {
  engine ??= await import('./re2-engine');
  if (pattern.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  try {
    compile(pattern);
    return undefined;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return `is not a valid RE2 pattern: ${detail}`;
  }
}

/** Every pattern compiles (RE2), else a 400 naming the condition and saying what is wrong. */
export async function assertPatterns(conditions: readonly Condition[], path: string): Promise<void> {
  for (const [i, condition] of conditions.entries()) {
    if (condition.operator !== 'Matches' && condition.operator !== 'NotMatches') continue;
    const problem = await patternError(condition.values[0] ?? '');
    if (problem) {
      const field = `${path}[${i}].values[0]`;
      throw new ValidationError(`Invalid request body: ${field}: ${problem}`, [{ field, message: problem }]);
    }
  }
}
