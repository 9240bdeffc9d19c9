/** Which senders an SES identity covers: the rule PUT /v1/config/server applies with the ses transport. */
import { isCoveredBySesIdentity } from '../../lib/domain/ses-identity';

describe('isCoveredBySesIdentity', () => {
  it.each([
    ['alerts@example.com', 'example.com', true],
    ['ALERTS@Example.COM', 'example.com', true],
    ['alerts@mail.example.com', 'example.com', true],
    ['alerts@notexample.com', 'example.com', false],
    ['alerts@example.com.evil.net', 'example.com', false],
    ['alerts@example.org', 'example.com', false],
    ['alerts@example.com', 'alerts@example.com', true],
    ['Alerts@example.com', 'alerts@example.com', true],
    ['other@example.com', 'alerts@example.com', false],
  ])('%s under the identity %s: %s', (address, identity, covered) => {
    expect(isCoveredBySesIdentity(address, identity)).toBe(covered);
  });
});
