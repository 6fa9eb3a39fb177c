// Human-comparable form of a root thumbprint: hex in groups of four, to read aloud over the phone. Pure.
export function fingerprintGroups(thumbprint: string): string {
  return Buffer.from(thumbprint, 'base64url').toString('hex').toUpperCase().match(/.{4}/g)?.join(' ') ?? ''
}
