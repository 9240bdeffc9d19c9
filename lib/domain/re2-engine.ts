/**
 * re2js (RE2 semantics, linear time, pure JavaScript: no pattern can stall ingest, and the Lambda
 * bundle needs no native build). ~147 KB minified, so patterns.ts loads it only when some
 * condition uses a pattern; the Lambda bundles carry it as a file of its own (cdk/function.ts
 * LAZY_CHUNKS).
 */
export { RE2JS } from 're2js';
