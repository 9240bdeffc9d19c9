/** The SES sending rule, as SES itself checks it. */
/**
 * Whether SES sends as `address` under the verified identity `identity` (a domain or an address): the
 * address itself, or an address in the domain or one of its subdomains (a verified domain covers them).
 */
export function isCoveredBySesIdentity(address: string, identity: string): boolean {
  const wanted = identity.toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  if (wanted.includes('@')) return address.toLowerCase() === wanted;
  return domain === wanted || domain.endsWith(`.${wanted}`);
}
