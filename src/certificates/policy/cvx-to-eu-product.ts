// CVX (CDC vaccine codes, used by SMART Health Cards) → EU vaccine-medicinal-product codes, so one
// home-country vaccine policy applies to both formats. Pure constant data.
// Source: CDC CVX table (COVID-19 rows) and the EU value set vaccine-medicinal-product 2.12.0.
// Only products with an EU marketing authorisation are mapped; any other CVX code stays unmapped
// and so is never accepted by a policy that lists EU products.
export const CVX_TO_EU_PRODUCT: Readonly<Record<string, string>> = Object.freeze({
  // Moderna / Spikevax: 100 µg, 50 µg booster, 25 µg paediatric, bivalent 50 µg and 10 µg.
  '207': 'EU/1/20/1507',
  '221': 'EU/1/20/1507',
  '228': 'EU/1/20/1507',
  '229': 'EU/1/20/1507',
  '230': 'EU/1/20/1507',
  // Pfizer-BioNTech / Comirnaty: 30 µg, 30 µg tris-sucrose, 10 µg, 3 µg, bivalent 30/10/3 µg.
  '208': 'EU/1/20/1528',
  '217': 'EU/1/20/1528',
  '218': 'EU/1/20/1528',
  '219': 'EU/1/20/1528',
  '300': 'EU/1/20/1528',
  '301': 'EU/1/20/1528',
  '302': 'EU/1/20/1528',
  // AstraZeneca / Vaxzevria.
  '210': 'EU/1/21/1529',
  // Novavax / Nuvaxovid.
  '211': 'EU/1/21/1618',
  // Janssen / Jcovden.
  '212': 'EU/1/20/1525',
})

/** CVX codes of COVID-19 vaccines, mapped or not (e.g. 213 unspecified, 510 Sinopharm, 511 CoronaVac). */
export const COVID_CVX_CODES: ReadonlySet<string> = new Set([
  ...Object.keys(CVX_TO_EU_PRODUCT),
  '213',
  '500',
  '501',
  '502',
  '503',
  '504',
  '505',
  '506',
  '507',
  '508',
  '509',
  '510',
  '511',
  '512',
  '513',
  '514',
  '515',
  '516',
  '517',
  '518',
  '519',
  '520',
  '521',
])
