// Server-rendered HTML of the diplomat pages: every value escaped by hono/html, no inline script or style, so
// the strict CSP holds. Landmarks, headings, labels and a live status region for screen readers.
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import type { DiplomatSession, ForeignCountry, ProposalView } from '../../diplomats/diplomat-service.js'
import type { Recognition } from '../../model/schema.types.js'
import { fingerprintGroups } from '../../trust-list/fingerprint.js'

type Html = HtmlEscapedString | Promise<HtmlEscapedString>

/** What the pages show in place of codes: EU vaccine product number → product name (from the EU value set). */
export interface PageNames {
  readonly vaccines: ReadonlyMap<string, string>
}

// English names of ISO 3166 regions, from the runtime's ICU data; a code it does not know is shown as it is.
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' })

/** "Cyprus" for CY; the code itself when no name is known. */
export function countryName(code: string): string {
  try {
    return REGION_NAMES.of(code.toUpperCase()) ?? code
  } catch {
    return code // not a well-formed region code
  }
}

/** "Cyprus (CY)": the name a person reads, with the code they may be asked for. */
function countryLabel(code: string): string {
  const name = countryName(code)
  return name === code ? code : `${name} (${code})`
}

/** "Comirnaty (EU/1/20/1528)"; the product number alone when the value set does not name it. */
function approvalCount(given: number): string {
  return given === 1 ? '1 approval' : `${given} approvals`
}

/** "1 of 2 approvals given", never "1/2": a diplomat reads it aloud. */
function approvalsOf(given: number, needed: number): string {
  return `${given} of ${needed} ${needed === 1 ? 'approval' : 'approvals'} given`
}

function vaccineLabel(code: string, names: PageNames): string {
  const name = names.vaccines.get(code)
  return name === undefined || name === code ? code : `${name} (${code})`
}

/**
 * A date as the reader's browser formats it (assets/app.js, Intl.DateTimeFormat); until then, and without script,
 * a plain UTC form of it.
 */
function when(iso: string): Html {
  const date = new Date(iso)
  const plain = Number.isNaN(date.getTime())
    ? iso
    : `${date.toLocaleString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' })} UTC`
  return html`<time datetime="${iso}">${plain}</time>`
}

export interface PageContext {
  readonly country: string
  readonly session: DiplomatSession | undefined
  readonly title: string
}

const SCOPE_LABEL: Record<string, string> = { vaccination: 'Vaccination', test: 'Test', recovery: 'Recovery' }
const ACTION_LABEL: Record<string, string> = { recognize: 'Recognize', withdraw: 'Withdraw recognition of', govern: 'Change the diplomats of' }
// Plain words for the proposal states: approved and placed in the next list, or replaced by a later proposal.
const STATE_LABEL: Record<string, string> = { open: 'Waiting for approvals', enacted: 'Approved', superseded: 'Replaced' }

export function layout(page: PageContext, body: Html): Html {
  const { session } = page
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${page.country} diplomats · Entente</title>
<link rel="stylesheet" href="/diplomats/assets/style.css">
<link rel="icon" href="/diplomats/assets/favicon.svg" type="image/svg+xml">
${session === undefined ? '' : html`<meta name="csrf-token" content="${session.csrfToken}">`}
<script type="module" src="/diplomats/assets/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="brand">Entente · ${countryName(page.country)} diplomats</p>
<nav aria-label="Diplomat pages">
<ul>
${
  session === undefined
    ? html`<li><a href="/diplomats/sign-in">Sign in</a></li>`
    : html`<li><a href="/diplomats/proposals">Proposals</a></li>
<li><a href="/diplomats/history">History</a></li>
<li><form method="post" action="/diplomats/sign-out"><input type="hidden" name="_csrf" value="${session.csrfToken}"><button type="submit" class="link">Sign out ${session.name}</button></form></li>`
}
</ul>
</nav>
</header>
<main id="main">
<h1>${page.title}</h1>
<p id="status" role="status" aria-live="polite"></p>
${body}
</main>
<footer><p>Recognitions enter ${countryName(page.country)}'s trust list only with enough passkey approvals from its diplomats; anyone can re-verify them.</p></footer>
</body>
</html>`
}

export function registerPage(): Html {
  return html`<p>You have been invited to approve recognitions of foreign health certificates. Register a passkey on this device;
it will be asked for (with your fingerprint, face or PIN) every time you sign in or approve.</p>
<p><button type="button" id="register">Register a passkey</button></p>
<noscript><p>Passkeys need JavaScript; please enable it for this page.</p></noscript>`
}

export function signInPage(session: DiplomatSession | undefined): Html {
  if (session !== undefined) return html`<p>You are signed in as ${session.name}. <a href="/diplomats/proposals">See the proposals</a>.</p>`
  return html`<p>Sign in with the passkey you registered from your invite.</p>
<p><button type="button" id="sign-in">Sign in with your passkey</button></p>
<noscript><p>Passkeys need JavaScript; please enable it for this page.</p></noscript>`
}

/** Where the signed-in diplomat stands: only passkeys in the published set decide. */
export type Standing =
  | { readonly kind: 'in-force' }
  /** Registered after diplomats were in force: the open governance change that adds them, if any. */
  | { readonly kind: 'awaiting-approval'; readonly proposal: ProposalView | undefined }
  /** In the next list (bootstrap, or a change already approved): in force once it is published. */
  | { readonly kind: 'awaiting-publish' }

export function proposalsPage(input: {
  session: DiplomatSession
  standing: Standing
  open: readonly ProposalView[]
  foreign: readonly ForeignCountry[]
  recognitions: readonly Recognition[]
  quorum: number
  names: PageNames
}): Html {
  const { session, standing, open, foreign, recognitions, quorum, names } = input
  const mayApprove = standing.kind === 'in-force'
  return html`${standingNotice(session, standing)}<p>Compare each root fingerprint with the foreign ministry by phone before you approve. A proposal enters the
next trust list once ${quorum} diplomats have approved it; the operator then publishes that list.</p>
<section aria-labelledby="open-heading">
<h2 id="open-heading">Open proposals</h2>
${open.length === 0 ? html`<p>No open proposals.</p>` : open.map((p) => proposalCard(p, session, mayApprove, names))}
</section>
<section aria-labelledby="propose-heading">
<h2 id="propose-heading">Propose a recognition</h2>
<p>Start from the root fingerprint the other country gave you out of band (read to you by phone, or handed over in person):
the node compares it with the root it holds for that country, if any, and refuses a mismatch.</p>
<form method="post" action="/diplomats/proposals" class="propose">
<input type="hidden" name="_csrf" value="${session.csrfToken}">
<input type="hidden" name="action" value="recognize">
<p><label for="country">Country (ISO 3166-1 alpha-2 code)</label>
<input type="text" id="country" name="country" required minlength="2" maxlength="2" pattern="[A-Za-z]{2}" autocomplete="off" spellcheck="false" list="held-countries" placeholder="CY">
<datalist id="held-countries">${foreign.map((f) => html`<option value="${f.country}">${countryName(f.country)}</option>`)}</datalist></p>
<p><label for="fingerprint">Root fingerprint received from that country</label>
<span class="hint" id="fingerprint-hint">64 hex digits in groups, as read to you (or the 43-character thumbprint). ${
    foreign.length === 0
      ? 'Required: this node holds no foreign trust list.'
      : 'Required when this node holds no list of that country; when it holds one, what you enter is compared with it. Type what the country gave you: never copy the fingerprint the node shows.'
  }</span>
<input type="text" id="fingerprint" name="fingerprint" class="fingerprint"${foreign.length === 0 ? html` required` : ''} autocomplete="off" spellcheck="false" aria-describedby="fingerprint-hint held-root" placeholder="0A1B 2C3D …">
<output id="held-root" for="country fingerprint" class="held-root"></output></p>
${
  foreign.length === 0
    ? ''
    : html`<table class="held-roots">
<caption>Roots this node holds, as received from the network: compare with what you were given</caption>
<thead><tr><th scope="col">Country</th><th scope="col">Root fingerprint held</th><th scope="col">Latest list</th></tr></thead>
<tbody>
${foreign.map((f) => html`<tr data-held-country="${f.country}" data-held-fingerprint="${f.fingerprint}"><td>${countryLabel(f.country)}</td><td><code class="fingerprint">${f.fingerprint}</code></td><td>list ${f.seq}</td></tr>`)}
</tbody>
</table>`
}
<fieldset>
<legend>Scopes</legend>
${(['vaccination', 'test', 'recovery'] as const).map(
  (s) => html`<p><input type="checkbox" id="scope-${s}" name="scopes" value="${s}"${s === 'vaccination' ? html` checked` : ''}> <label for="scope-${s}">${SCOPE_LABEL[s]}</label></p>`,
)}
</fieldset>
${
  names.vaccines.size === 0
    ? html`<p><label for="vaccines">Vaccines (EU product numbers, comma-separated; leave empty to accept every vaccine the home list accepts)</label>
<input type="text" id="vaccines" name="vaccines" autocomplete="off" spellcheck="false"></p>`
    : html`<fieldset class="vaccines">
<legend>Vaccines</legend>
<p class="hint">Tick none to accept every vaccine the home list accepts.</p>
${[...names.vaccines].sort(([, a], [, b]) => a.localeCompare(b)).map(([code, name], i) => html`<p><input type="checkbox" id="vaccine-${i}" name="vaccines" value="${code}"> <label for="vaccine-${i}">${name}</label></p>`)}
</fieldset>`
}
<p><button type="submit">Propose recognition</button></p>
</form>
</section>
<section aria-labelledby="drafted-heading">
<h2 id="drafted-heading">Recognized in the next list</h2>
${
  recognitions.length === 0
    ? html`<p>No recognitions in the next list yet.</p>`
    : html`<ul class="drafted">${recognitions.map(
        (r) => html`<li><strong>${countryLabel(r.country)}</strong> for ${scopes(r.scopes)}, root <code class="fingerprint">${fingerprintGroups(r.rootThumbprint)}</code>, ${approvalCount(r.approvals.length)}
<form method="post" action="/diplomats/proposals" class="inline"><input type="hidden" name="_csrf" value="${session.csrfToken}"><input type="hidden" name="action" value="withdraw"><input type="hidden" name="country" value="${r.country}"><button type="submit">Propose withdrawing ${countryName(r.country)}</button></form></li>`,
      )}</ul>`
}
</section>`
}

/** A diplomat whose passkey the published list does not name yet is told why nothing can be approved, and what waits. */
function standingNotice(session: DiplomatSession, standing: Standing): Html | string {
  if (standing.kind === 'in-force') return ''
  if (standing.kind === 'awaiting-publish') {
    return html`<section class="notice" id="standing" aria-labelledby="standing-heading"><h2 id="standing-heading">Your passkey is not in force yet</h2>
<p>You are in the next trust list: you can approve proposals once the operator has published it.</p></section>`
  }
  const { proposal } = standing
  const mine = proposal?.governance?.added.find((d) => d.credentialId === session.credentialId)
  return html`<section class="notice" id="standing" aria-labelledby="standing-heading"><h2 id="standing-heading">Your passkey is not in force yet</h2>
<p>The diplomats in force must first approve you joining${
    proposal === undefined ? '' : html` (proposal ${proposal.id}: ${approvalsOf(proposal.approvals.length, proposal.quorum)})`
  }; after that the operator publishes the new set. Until then you cannot approve anything, and an approval would be refused.</p>
${mine === undefined ? '' : html`<p>Read them your passkey fingerprint so they can check it is yours: <code class="fingerprint">${mine.fingerprint}</code></p>`}</section>`
}

function proposalCard(p: ProposalView, session: DiplomatSession, mayApprove: boolean, names: PageNames): Html {
  const mine = p.approvals.some((a) => a.credentialId === session.credentialId)
  const entry = 'scopes' in p.entry ? p.entry : undefined
  const verb = p.action === 'recognize' ? 'Recognize' : p.action === 'withdraw' ? 'Withdraw recognition of' : 'Change the diplomats of'
  const change = p.governance
  return html`<article class="proposal${change === undefined ? '' : ' governance'}" aria-labelledby="proposal-${p.id}" data-proposal="${p.id}">
<h3 id="proposal-${p.id}">${verb} ${countryName(p.country)}</h3>
${
  change === undefined
    ? ''
    : html`<p class="governs">This changes who decides for ${countryName(p.country)}: once published, recognitions and withdrawals need approvals from the diplomats below, as many as stated below.</p>`
}
<dl>
${
  change === undefined
    ? html`<dt>Root fingerprint</dt><dd><code class="fingerprint">${p.fingerprint}</code></dd>`
    : html`<dt>Joining</dt><dd>${people(change.added)}</dd>
<dt>Leaving</dt><dd>${people(change.removed)}</dd>
<dt>Approvals needed</dt><dd><span class="quorum-change">${change.quorum.from} of ${governedCount(p) - change.added.length + change.removed.length} now → ${change.quorum.to} of ${governedCount(p)} afterwards</span></dd>
<dt>Diplomats afterwards</dt><dd>${governedNames(p)}</dd>`
}
${
  entry === undefined
    ? ''
    : html`<dt>Scopes</dt><dd>${scopes(entry.scopes)}</dd>
<dt>Vaccines</dt><dd>${entry.vaccines === undefined ? 'all vaccines the home list accepts' : entry.vaccines.length === 0 ? 'none' : entry.vaccines.map((v) => vaccineLabel(v, names)).join(', ')}</dd>`
}
<dt>Proposed</dt><dd>by ${p.proposedBy}, ${when(p.createdAt)}</dd>
<dt>Approvals</dt><dd><span class="count">${approvalsOf(p.approvals.length, p.quorum)}</span>${change === undefined ? '' : ' of the diplomats in force'}${p.approvals.length === 0 ? '' : html` (${p.approvals.map((a) => a.name).join(', ')})`}</dd>
</dl>
${
  mine
    ? html`<p class="done">You approved this proposal.</p>`
    : !mayApprove
      ? html`<p class="waiting">You can approve once your passkey is in force.</p>`
      : html`<p><button type="button" data-approve="${p.id}">${p.action === 'recognize' ? 'Approve' : p.action === 'withdraw' ? 'Approve withdrawal of' : 'Approve the diplomat change for'} ${countryName(p.country)} with your passkey</button></p>`
}
</article>`
}

function people(list: NonNullable<ProposalView['governance']>['added']): Html | string {
  if (list.length === 0) return 'nobody'
  return html`<ul class="people">${list.map((d) => html`<li>${d.name}, passkey <code class="fingerprint">${d.fingerprint}</code></li>`)}</ul>`
}

function governedCount(p: ProposalView): number {
  return 'diplomats' in p.entry ? p.entry.diplomats.length : 0
}

function governedNames(p: ProposalView): string {
  return 'diplomats' in p.entry ? p.entry.diplomats.map((d) => d.name).sort((a, b) => a.localeCompare(b)).join(', ') : ''
}

export function historyPage(input: { proposals: readonly ProposalView[]; recognitions: readonly Recognition[]; withdrawals: readonly Recognition[]; published: { seq: number; issuedAt: string } | undefined }): Html {
  const { proposals, recognitions, withdrawals, published } = input
  return html`<p>${published === undefined ? 'Nothing published yet.' : html`Latest published trust list: list ${published.seq}, issued ${when(published.issuedAt)}.`}
Publishing the next list is the operator's action (<code>entente publish</code>).</p>
<section aria-labelledby="draft-heading">
<h2 id="draft-heading">In the next trust list</h2>
<table>
<caption>Recognitions and withdrawals with their evidence</caption>
<thead><tr><th scope="col">Change</th><th scope="col">Country</th><th scope="col">Root fingerprint</th><th scope="col">Scopes</th><th scope="col">Approvals</th></tr></thead>
<tbody>
${[...recognitions.map((r) => ['Recognized', r] as const), ...withdrawals.map((w) => ['Withdrawn', w] as const)].map(
  ([kind, r]) => html`<tr><td>${kind}</td><td>${countryLabel(r.country)}</td><td><code class="fingerprint">${fingerprintGroups(r.rootThumbprint)}</code></td><td>${scopes(r.scopes)}</td><td>${r.approvals.length}</td></tr>`,
)}
</tbody>
</table>
</section>
<section aria-labelledby="proposals-heading">
<h2 id="proposals-heading">All proposals</h2>
<table>
<caption>Newest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">Proposal</th><th scope="col">Root fingerprint</th><th scope="col">State</th><th scope="col">Approved by</th><th scope="col">Proposed</th><th scope="col">Closed</th></tr></thead>
<tbody>
${proposals.map(
  (p) => html`<tr><td>${p.id}</td><td>${ACTION_LABEL[p.action] ?? p.action} ${countryLabel(p.country)}${'scopes' in p.entry ? ` (${scopes(p.entry.scopes)})` : ''}</td><td><code class="fingerprint">${p.fingerprint}</code></td><td>${STATE_LABEL[p.state] ?? p.state}</td><td>${p.approvals.map((a, i) => html`${i === 0 ? '' : '; '}${a.name} (${when(a.approvedAt)})`)}</td><td>${when(p.createdAt)}</td><td>${p.closedAt === undefined ? '' : when(p.closedAt)}</td></tr>`,
)}
</tbody>
</table>
</section>`
}

export function errorPage(message: string, signedIn: boolean): Html {
  return html`<p class="error" role="alert">${message}</p><p>${signedIn ? html`<a href="/diplomats/proposals">Back to the proposals</a>` : html`<a href="/diplomats/sign-in">Sign in</a>`}</p>`
}

/**
 * The root a diplomat was given out of band is not the root the node holds: either a typing slip, or the network
 * holds a root that is not that country's. Shown as an alarm with both fingerprints, differing groups marked.
 */
export function fingerprintMismatchPage(input: { country: string; entered: string; held: string }): Html {
  const entered = fingerprintGroups(input.entered).split(' ')
  const held = fingerprintGroups(input.held).split(' ')
  const groups = (mine: string[], other: string[]) => mine.map((g, i) => (g === other[i] ? html`${g} ` : html`<mark>${g}</mark> `))
  return html`<section class="alarm" role="alert" aria-labelledby="mismatch-heading">
<h2 id="mismatch-heading">Do not recognize ${countryName(input.country)}: the fingerprints differ</h2>
<p>The root fingerprint you entered for ${countryLabel(input.country)} is <strong>NOT</strong> the root this node holds for ${countryName(input.country)}.
Either it was mistyped, or the network carries a root that is not ${countryName(input.country)}'s. No proposal was made.
Check the fingerprint with ${countryName(input.country)} again, by another channel, and tell the operator.</p>
<dl class="mismatch">
<dt>You entered</dt><dd><code class="fingerprint" data-fingerprint="entered">${groups(entered, held)}</code></dd>
<dt>This node holds</dt><dd><code class="fingerprint" data-fingerprint="held">${groups(held, entered)}</code></dd>
</dl>
</section>
<p><a href="/diplomats/proposals">Back to the proposals</a></p>`
}

function scopes(list: readonly string[]): string {
  return list.map((s) => SCOPE_LABEL[s] ?? s).join(', ')
}
