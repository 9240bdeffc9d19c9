import { conditionHolds, evaluateConditions } from '../../lib/domain/conditions';
import type { Condition } from '../../lib/domain/config';

const labels = { alertname: 'KubePodCrashLooping', severity: 'warning', namespace: 'payments', empty: '' };
const cond = (label: string, operator: Condition['operator'], values: string[] = []): Condition => ({
  label,
  operator,
  values,
});

describe('conditionHolds', () => {
  it.each([
    // In: the label is present with one of the values
    [cond('severity', 'In', ['critical', 'warning']), true],
    [cond('severity', 'In', ['critical']), false],
    [cond('node', 'In', ['node-1']), false],
    [cond('severity', 'In', ['Warning']), false], // values compare exactly, case included
    [cond('empty', 'In', ['']), true], // an empty value is a value
    // NotIn: absent or present with none of the values (Kubernetes selector semantics)
    [cond('severity', 'NotIn', ['info']), true],
    [cond('severity', 'NotIn', ['warning']), false],
    [cond('node', 'NotIn', ['node-1']), true],
    [cond('empty', 'NotIn', ['']), false],
    // Exists / DoesNotExist: presence only, whatever the value
    [cond('namespace', 'Exists'), true],
    [cond('empty', 'Exists'), true],
    [cond('node', 'Exists'), false],
    [cond('node', 'DoesNotExist'), true],
    [cond('namespace', 'DoesNotExist'), false],
    [cond('empty', 'DoesNotExist'), false],
  ])('%j → %s', (condition, expected) => {
    expect(conditionHolds(condition, labels)).toBe(expected);
  });

  it('looks only at own labels: inherited object properties are absent', () => {
    expect(conditionHolds(cond('constructor', 'Exists'), labels)).toBe(false);
    expect(conditionHolds(cond('toString', 'NotIn', ['x']), labels)).toBe(true);
    expect(conditionHolds(cond('hasOwnProperty', 'DoesNotExist'), labels)).toBe(true);
  });
});

describe('evaluateConditions', () => {
  it('lets every alert through with no conditions', () => {
    expect(evaluateConditions([], labels)).toEqual({ matched: true });
    expect(evaluateConditions([], {})).toEqual({ matched: true });
  });

  it('requires all conditions (AND) and names the first that fails', () => {
    const conditions = [
      cond('namespace', 'In', ['payments']),
      cond('severity', 'NotIn', ['info']),
      cond('team', 'Exists'),
      cond('severity', 'In', ['critical']),
    ];
    expect(evaluateConditions(conditions, labels)).toEqual({ matched: false, failed: conditions[2] });
    expect(evaluateConditions(conditions.slice(0, 2), labels)).toEqual({ matched: true });
    expect(evaluateConditions(conditions, { ...labels, team: 'core', severity: 'critical' })).toEqual({
      matched: true,
    });
  });
});
