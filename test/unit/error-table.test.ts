/** The edge's one error table: each of the core's error codes answers with its status and headers. */
import { errorAnswer } from '../../functions/errors';
import {
  ConcurrentModificationError,
  ConflictError,
  DeliveryFailedError,
  ForbiddenError,
  MailDeliveryError,
  NotConfiguredError,
  NotFoundError,
  PayloadTooLargeError,
  StoreUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../lib/errors';

describe('the error table', () => {
  it.each([
    [new ValidationError('bad', [{ field: 'server.port', message: 'too big' }]), 400],
    [new NotConfiguredError('no server'), 400],
    [new ForbiddenError('ingest token'), 403],
    [new NotFoundError('no such recipient'), 404],
    [new ConflictError('already there'), 409],
    [new ConcurrentModificationError('raced'), 409],
    [new PayloadTooLargeError('too large'), 413],
    [new UnsupportedMediaTypeError('form'), 415],
    [new MailDeliveryError('SMTP_AUTH_FAILED', '535'), 502],
  ])('%s answers %d', (error, status) => {
    expect(errorAnswer(error).status).toBe(status);
  });

  it('asks for a bearer token with a 401', () => {
    expect(errorAnswer(new UnauthorizedError('no token'))).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="alertmail"' },
    });
  });

  it('tells senders when to retry a failed delivery or an unreachable store', () => {
    const delivery = errorAnswer(new DeliveryFailedError('failed', new Error('421')));
    const store = errorAnswer(new StoreUnavailableError('down', new Error('ECONNREFUSED')));

    expect(delivery).toMatchObject({ status: 503, headers: { 'retry-after': '10' } });
    expect(store).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
  });

  it('answers the code, the message, the field details and, for the mail server, whether it is permanent', () => {
    expect(errorAnswer(new ValidationError('bad', [{ field: 'from', message: 'not an address' }])).body).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'bad', details: [{ field: 'from', message: 'not an address' }] },
    });
    expect(errorAnswer(new MailDeliveryError('SMTP_REJECTED', '552 too large', true)).body).toEqual({
      error: { code: 'SMTP_REJECTED', message: '552 too large', details: [], permanent: true },
    });
  });
});
