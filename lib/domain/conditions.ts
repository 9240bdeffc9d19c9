import type { Labels } from './alerts/model';
import type { Condition } from './config';
import { patternMatches } from './patterns';

/**
 * Does one condition hold for this label set? Kubernetes selector semantics: `NotIn` holds when the
 * label is absent, and so does `NotMatches` (the negation of `Matches`, which needs the label).
 * Patterns need the engine loaded first (patterns.ts `loadPatternEngine`).
 */
export function conditionHolds(condition: Condition, labels: Labels): boolean {
  const value = Object.hasOwn(labels, condition.label) ? labels[condition.label] : undefined;
  switch (condition.operator) {
    case 'In':
      return value !== undefined && condition.values.includes(value);
    case 'NotIn':
      return value === undefined || !condition.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Matches':
      return value !== undefined && patternMatches(condition.values[0] ?? '', value);
    case 'NotMatches':
      return value === undefined || !patternMatches(condition.values[0] ?? '', value);
  }
}

/** All conditions must hold (AND); an empty list lets every alert through. Returns the first failing condition for explanations. */
export function evaluateConditions(
  conditions: readonly Condition[],
  labels: Labels,
): { matched: true } | { matched: false; failed: Condition } {
  for (const condition of conditions) {
    if (!conditionHolds(condition, labels)) return { matched: false, failed: condition };
  }
  return { matched: true };
}
