/**
 * Time budgets shared by the stack (cdk/function.ts) and the code that runs inside it.
 *
 * API Gateway's HTTP API gives a Lambda integration 30 s (29 s effective) and then answers 503
 * itself, so alertmail's own answer (a 503 DELIVERY_FAILED that tells Alertmanager to retry, with
 * the claim released) must come well before: every function behind an HTTP route times out at
 * this, 5 s under the gateway's limit, and the send deadline inside the code is derived from it.
 */
export const HTTP_FUNCTION_TIMEOUT_SECONDS = 25;
