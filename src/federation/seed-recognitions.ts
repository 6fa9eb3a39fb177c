// Demo recognitions: each country's demo diplomats (in-memory passkeys over the node's real WebAuthn routes)
// approve the recognitions nodes/federation.json lists for it; at quorum the operator publishes. The evidence
// is real: every node and verifier re-checks the assertions from the published list alone.
import { callOperator } from '../operator/operator-client.js'
import { approveDemoRecognitions } from '../diplomats/demo-diplomats.js'
import { EntenteError } from '../model/errors.js'
import type { FederationPlan } from '../model/schema.types.js'
import type { FederationMember } from './launcher.js'

export async function seedRecognitions(members: FederationMember[], plan: FederationPlan, log: (line: string) => void): Promise<number> {
  let approved = 0
  for (const member of members) {
    const wanted = plan.recognitions.filter((r) => r.from === member.country)
    if (wanted.length === 0) continue
    // A proposal names the foreign root: the node must hold that country's list (by gossip) first.
    await waitHolds(member, wanted.map((r) => r.to), 30_000)
    const count = await approveDemoRecognitions(member.target, wanted.map((r) => ({ country: r.to, scopes: r.scopes })))
    if (count > 0) {
      await callOperator(member.target, 'POST', '/v1/operator/publish', {})
      log(`${member.country}: diplomats approved ${count} recognition(s) (${wanted.map((r) => r.to).join(', ')}); published`)
      approved += count
    }
  }
  return approved
}

async function waitHolds(member: FederationMember, countries: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const index = (await (await fetch(`${member.url}/v1/trust-lists`, { signal: AbortSignal.timeout(2000) })).json()) as { lists: { country: string }[] }
    const missing = countries.filter((c) => !index.lists.some((l) => l.country === c))
    if (missing.length === 0) return
    if (Date.now() > deadline) throw new EntenteError('ERR_HTTP_UNAVAILABLE', `${member.country} never received the lists of ${missing.join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
