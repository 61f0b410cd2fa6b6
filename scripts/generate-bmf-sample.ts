// Generates the synthetic EO BMF sample (data-samples/bmf/eo_sample.csv) and board-member file, deterministically.
//
// Usage (ts-node is not installed, so compile first):
//   npx tsc scripts/generate-bmf-sample.ts --outDir /tmp/gen --module commonjs --target es2022 --esModuleInterop
//   node /tmp/gen/generate-bmf-sample.js [outDir=data-samples]
//
// The same seed always yields byte-identical files (test/unit/agents/bmf-sample.test.ts checks the
// committed files against this generator). No network, no clock, no randomness besides the seeded PRNG.
// Every organization, person and address is invented.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';

export const DEFAULT_SEED = 20240601;
export const SAMPLE_ROW_COUNT = 400;

/** Same 28 columns as src/agents/bmf-filter/bmf-columns.ts (kept separate so the script compiles alone). */
const HEADER = [
  'EIN', 'NAME', 'ICO', 'STREET', 'CITY', 'STATE', 'ZIP', 'GROUP', 'SUBSECTION', 'AFFILIATION',
  'CLASSIFICATION', 'RULING', 'DEDUCTIBILITY', 'FOUNDATION', 'ACTIVITY', 'ORGANIZATION', 'STATUS',
  'TAX_PERIOD', 'ASSET_CD', 'INCOME_CD', 'FILING_REQ_CD', 'PF_FILING_REQ_CD', 'ACCT_PD', 'ASSET_AMT',
  'INCOME_AMT', 'REVENUE_AMT', 'NTEE_CD', 'SORT_NAME',
] as const;

/** mulberry32: tiny, fast, good enough for sample data, and identical on every platform. */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

interface Place {
  city: string;
  zip5: string[];
  streets: string[];
}

const PLACES: Record<string, Place[]> = {
  VA: [
    { city: 'ARLINGTON', zip5: ['22201', '22203', '22209'], streets: ['N GLEBE RD', 'WILSON BLVD', 'N FAIRFAX DR'] },
    { city: 'RICHMOND', zip5: ['23219', '23220', '23225'], streets: ['E MAIN ST', 'W BROAD ST', 'MONUMENT AVE'] },
    { city: 'ALEXANDRIA', zip5: ['22314', '22301'], streets: ['KING ST', 'DUKE ST', 'MOUNT VERNON AVE'] },
    { city: 'NORFOLK', zip5: ['23510', '23517'], streets: ['GRANBY ST', 'COLLEY AVE'] },
    { city: 'ROANOKE', zip5: ['24011', '24016'], streets: ['JEFFERSON ST SW', 'CAMPBELL AVE SW'] },
  ],
  MD: [
    { city: 'BALTIMORE', zip5: ['21201', '21202', '21218'], streets: ['N CHARLES ST', 'E PRATT ST', 'ST PAUL ST'] },
    { city: 'BETHESDA', zip5: ['20814', '20817'], streets: ['WISCONSIN AVE', 'OLD GEORGETOWN RD'] },
    { city: 'SILVER SPRING', zip5: ['20910', '20901'], streets: ['GEORGIA AVE', 'COLESVILLE RD'] },
    { city: 'ANNAPOLIS', zip5: ['21401', '21403'], streets: ['WEST ST', 'FOREST DR'] },
  ],
  DC: [
    { city: 'WASHINGTON', zip5: ['20001', '20002', '20005', '20009', '20036'], streets: ['K ST NW', 'MASSACHUSETTS AVE NW', '14TH ST NW', 'H ST NE'] },
  ],
  NY: [
    { city: 'NEW YORK', zip5: ['10001', '10016', '10027'], streets: ['BROADWAY', 'W 34TH ST', 'LEXINGTON AVE'] },
    { city: 'BROOKLYN', zip5: ['11201', '11215'], streets: ['ATLANTIC AVE', 'FLATBUSH AVE'] },
    { city: 'BUFFALO', zip5: ['14202', '14209'], streets: ['MAIN ST', 'DELAWARE AVE'] },
    { city: 'ALBANY', zip5: ['12207', '12210'], streets: ['STATE ST', 'WASHINGTON AVE'] },
  ],
  CA: [
    { city: 'LOS ANGELES', zip5: ['90012', '90015', '90026'], streets: ['W SUNSET BLVD', 'S FIGUEROA ST', 'WILSHIRE BLVD'] },
    { city: 'SAN FRANCISCO', zip5: ['94103', '94110'], streets: ['MISSION ST', 'MARKET ST', 'VALENCIA ST'] },
    { city: 'OAKLAND', zip5: ['94612', '94607'], streets: ['BROADWAY', 'TELEGRAPH AVE'] },
    { city: 'SAN DIEGO', zip5: ['92101', '92104'], streets: ['PARK BLVD', 'EL CAJON BLVD'] },
  ],
  TX: [
    { city: 'AUSTIN', zip5: ['78701', '78702', '78751'], streets: ['CONGRESS AVE', 'E 6TH ST', 'GUADALUPE ST'] },
    { city: 'HOUSTON', zip5: ['77002', '77004'], streets: ['MAIN ST', 'TRAVIS ST', 'ALMEDA RD'] },
    { city: 'DALLAS', zip5: ['75201', '75204'], streets: ['ELM ST', 'ROSS AVE'] },
    { city: 'SAN ANTONIO', zip5: ['78205', '78212'], streets: ['COMMERCE ST', 'MCCULLOUGH AVE'] },
  ],
  PA: [
    { city: 'PHILADELPHIA', zip5: ['19103', '19107'], streets: ['WALNUT ST', 'CHESTNUT ST', 'N BROAD ST'] },
    { city: 'PITTSBURGH', zip5: ['15213', '15222'], streets: ['FORBES AVE', 'LIBERTY AVE'] },
  ],
  NC: [
    { city: 'RALEIGH', zip5: ['27601', '27603'], streets: ['FAYETTEVILLE ST', 'HILLSBOROUGH ST'] },
    { city: 'DURHAM', zip5: ['27701'], streets: ['W MAIN ST', 'FOSTER ST'] },
  ],
  MA: [
    { city: 'BOSTON', zip5: ['02108', '02115', '02118'], streets: ['TREMONT ST', 'BOYLSTON ST', 'HUNTINGTON AVE'] },
    { city: 'WORCESTER', zip5: ['01608', '01609'], streets: ['MAIN ST', 'PLEASANT ST'] },
  ],
  NJ: [
    { city: 'NEWARK', zip5: ['07102', '07103'], streets: ['BROAD ST', 'MARKET ST'] },
    { city: 'TRENTON', zip5: ['08608'], streets: ['W STATE ST'] },
  ],
  IL: [{ city: 'CHICAGO', zip5: ['60601', '60605', '60622'], streets: ['N MICHIGAN AVE', 'S WABASH AVE', 'W DIVISION ST'] }],
  FL: [
    { city: 'MIAMI', zip5: ['33130', '33137'], streets: ['BISCAYNE BLVD', 'SW 8TH ST'] },
    { city: 'TAMPA', zip5: ['33602'], streets: ['N FRANKLIN ST'] },
  ],
};

const STATE_WEIGHTS: readonly (readonly [string, number])[] = [
  ['VA', 22], ['MD', 16], ['DC', 12], ['NY', 10], ['CA', 10], ['TX', 8], ['PA', 5], ['NC', 4], ['MA', 4], ['NJ', 3], ['IL', 3], ['FL', 3],
];

/** IRS EIN prefixes by campus; 01–06 give the leading zeros that spreadsheets love to eat. */
const EIN_PREFIXES = ['01', '02', '03', '04', '05', '06', '10', '11', '13', '16', '20', '22', '23', '26', '27', '31', '35', '45', '46', '52', '54', '56', '58', '61', '74', '75', '81', '82', '83', '84', '86', '87', '88', '91', '92', '93', '94', '95', '98'];

type OrgKind = 'charity' | 'school' | 'hospital' | 'church' | 'private_foundation' | 'community_foundation' | 'social_welfare' | 'business_league';

interface NteeTemplate {
  code: string;
  kind: OrgKind;
  names: string[];
  weight: number;
}

// {P} = place-like word, {S} = surname, {C} = city.
const NTEE_TEMPLATES: NteeTemplate[] = [
  { code: 'A20', kind: 'charity', weight: 3, names: ['{C} ARTS COUNCIL INC.', '{P} CULTURAL ALLIANCE'] },
  { code: 'A51', kind: 'charity', weight: 2, names: ['{P} MUSEUM OF ART', 'FRIENDS OF THE {C} ART MUSEUM'] },
  { code: 'A65', kind: 'charity', weight: 2, names: ['{P} REPERTORY THEATRE INC', '{C} PLAYERS, INC.'] },
  { code: 'A69', kind: 'charity', weight: 2, names: ['{C} SYMPHONY ORCHESTRA ASSOCIATION', '{P} CHAMBER MUSIC SOCIETY'] },
  { code: 'B11', kind: 'charity', weight: 3, names: ['{P} EDUCATION FOUNDATION', 'FRIENDS OF {P} ELEMENTARY SCHOOL'] },
  { code: 'B20', kind: 'school', weight: 5, names: ['{P} ACADEMY', "ST. {S}'S SCHOOL", '{P} MONTESSORI SCHOOL, INC.'] },
  { code: 'B21', kind: 'school', weight: 2, names: ["{P} CHILDREN'S LEARNING CENTER", '{P} PRESCHOOL & DAYCARE INC'] },
  { code: 'B28', kind: 'school', weight: 1, names: ['{P} SCHOOL FOR THE DEAF', '{P} LEARNING DIFFERENCES ACADEMY'] },
  { code: 'B43', kind: 'school', weight: 1, names: ['{P} UNIVERSITY', '{P} COLLEGE OF TECHNOLOGY'] },
  { code: 'B60', kind: 'charity', weight: 2, names: ['{C} LITERACY COUNCIL', 'ADULT LEARNING CENTER OF {C}'] },
  { code: 'B70', kind: 'charity', weight: 2, names: ['FRIENDS OF THE {C} PUBLIC LIBRARY', '{P} LIBRARY FOUNDATION'] },
  { code: 'B82', kind: 'charity', weight: 3, names: ['{S} SCHOLARSHIP FUND', '{S} & {S} SCHOLARSHIP TRUST'] },
  { code: 'B90', kind: 'charity', weight: 2, names: ['{P} TUTORING PROJECT', 'READ ALOUD {C}, INC.'] },
  { code: 'C32', kind: 'charity', weight: 2, names: ['{P} RIVERKEEPER INC', '{P} WATERSHED ALLIANCE'] },
  { code: 'C34', kind: 'charity', weight: 1, names: ['{P} LAND TRUST', '{P} CONSERVANCY, INC.'] },
  { code: 'D20', kind: 'charity', weight: 2, names: ['{C} HUMANE SOCIETY', '{P} ANIMAL RESCUE LEAGUE'] },
  { code: 'E20', kind: 'charity', weight: 1, names: ['{P} HEALTH FOUNDATION', '{P} HOSPITAL AUXILIARY'] },
  { code: 'E21', kind: 'hospital', weight: 2, names: ['{P} HEALTH SYSTEM', '{P} COMMUNITY HEALTH SYSTEM INC'] },
  { code: 'E22', kind: 'hospital', weight: 2, names: ['{P} GENERAL HOSPITAL', "ST. {S}'S MEDICAL CENTER"] },
  { code: 'E32', kind: 'charity', weight: 3, names: ['{C} FREE CLINIC', '{P} COMMUNITY HEALTH CENTER, INC.'] },
  { code: 'E70', kind: 'charity', weight: 1, names: ['{P} PUBLIC HEALTH INSTITUTE'] },
  { code: 'F30', kind: 'charity', weight: 2, names: ['{P} BEHAVIORAL HEALTH SERVICES', '{C} MENTAL HEALTH ASSOCIATION'] },
  { code: 'F20', kind: 'charity', weight: 1, names: ['{P} RECOVERY HOUSE INC', 'NEW DAY RECOVERY OF {C}'] },
  { code: 'G30', kind: 'charity', weight: 1, names: ['{P} CANCER SUPPORT NETWORK', "{S} FAMILY CANCER PATIENTS' FUND"] },
  { code: 'H30', kind: 'charity', weight: 1, names: ['{P} CANCER RESEARCH INSTITUTE', '{S} FOUNDATION FOR CANCER RESEARCH'] },
  { code: 'I20', kind: 'charity', weight: 1, names: ['{C} CRIME STOPPERS INC.'] },
  { code: 'I80', kind: 'charity', weight: 1, names: ['LEGAL AID SOCIETY OF {C}', '{P} LEGAL SERVICES CORP.'] },
  { code: 'J20', kind: 'charity', weight: 2, names: ['{P} WORKFORCE PARTNERSHIP', 'JOBS FOR {C} YOUTH'] },
  { code: 'K31', kind: 'charity', weight: 3, names: ['{P} FOOD BANK', '{C} AREA FOOD BANK, INC.'] },
  { code: 'K30', kind: 'charity', weight: 1, names: ['MEALS ON WHEELS OF {C}', '{P} FOOD PANTRY'] },
  { code: 'L21', kind: 'charity', weight: 2, names: ['{P} AFFORDABLE HOUSING CORP', 'HABITAT FOR HUMANITY OF {C}'] },
  { code: 'L41', kind: 'charity', weight: 2, names: ['{C} HOMELESS SHELTER INC', "{P} WOMEN'S SHELTER"] },
  { code: 'M20', kind: 'charity', weight: 1, names: ['{P} DISASTER RESPONSE TEAM'] },
  { code: 'N20', kind: 'charity', weight: 1, names: ['CAMP {P}, INC.', '{P} OUTDOOR SCHOOL'] },
  { code: 'N60', kind: 'charity', weight: 2, names: ['{C} YOUTH SOCCER LEAGUE', '{P} LITTLE LEAGUE INC.'] },
  { code: 'O50', kind: 'charity', weight: 3, names: ['BIG BROTHERS BIG SISTERS OF {C}', '{P} YOUTH MENTORING PROGRAM', 'BOYS & GIRLS CLUB OF {C}'] },
  { code: 'P20', kind: 'charity', weight: 3, names: ['{P} COMMUNITY SERVICES INC', '{C} HUMAN SERVICES COALITION'] },
  { code: 'P30', kind: 'charity', weight: 2, names: ["{P} CHILDREN'S HOME SOCIETY", "{C} CHILDREN'S ADVOCACY CENTER"] },
  { code: 'P40', kind: 'charity', weight: 2, names: ['{P} FAMILY SERVICES, INC.', 'FAMILIES FIRST OF {C}'] },
  { code: 'P75', kind: 'charity', weight: 1, names: ['{C} SENIOR CENTER', '{P} AGING SERVICES'] },
  { code: 'Q33', kind: 'charity', weight: 1, names: ['{P} INTERNATIONAL RELIEF FUND', 'HOPE ACROSS BORDERS INC'] },
  { code: 'R20', kind: 'charity', weight: 1, names: ['{P} CIVIL RIGHTS PROJECT', '{C} FAIR HOUSING COUNCIL'] },
  { code: 'S20', kind: 'social_welfare', weight: 2, names: ['{P} CIVIC ASSOCIATION', '{P} NEIGHBORHOOD ASSN.'] },
  { code: 'S30', kind: 'charity', weight: 1, names: ['{P} ECONOMIC DEVELOPMENT CORP'] },
  { code: 'S41', kind: 'business_league', weight: 2, names: ['{C} CHAMBER OF COMMERCE', '{P} BUSINESS ALLIANCE'] },
  { code: 'T20', kind: 'private_foundation', weight: 4, names: ['{S} FAMILY FOUNDATION', 'THE {S} FOUNDATION, INC.', '{S} & {S} CHARITABLE TRUST'] },
  { code: 'T22', kind: 'private_foundation', weight: 3, names: ['{S} CHARITABLE FOUNDATION', '{S}-{S} FUND'] },
  { code: 'T30', kind: 'charity', weight: 1, names: ["{P} WOMEN'S GIVING CIRCLE", '{P} YOUTH FUND'] },
  { code: 'T31', kind: 'community_foundation', weight: 2, names: ['COMMUNITY FOUNDATION OF {C}', '{P} COMMUNITY FOUNDATION INC'] },
  { code: 'T70', kind: 'charity', weight: 1, names: ['UNITED WAY OF {C}', '{P} COMBINED GIVING CAMPAIGN'] },
  { code: 'U20', kind: 'charity', weight: 1, names: ['{P} SCIENCE CENTER', '{P} STEM INSTITUTE'] },
  { code: 'V20', kind: 'charity', weight: 1, names: ['{P} INSTITUTE FOR SOCIAL RESEARCH', '{P} POLICY CENTER, INC.'] },
  { code: 'W30', kind: 'social_welfare', weight: 1, names: ['{P} VETERANS COUNCIL', 'POST 177 VETERANS ASSN'] },
  { code: 'X20', kind: 'church', weight: 3, names: ['{P} BAPTIST CHURCH', 'FIRST PRESBYTERIAN CHURCH OF {C}', "ST. {S}'S EPISCOPAL CHURCH"] },
  { code: 'X30', kind: 'church', weight: 1, names: ['CONGREGATION BETH {P}', '{P} JEWISH COMMUNITY CENTER'] },
  { code: 'Y50', kind: 'charity', weight: 1, names: ['{P} CEMETERY ASSOCIATION'] },
  { code: 'Z99', kind: 'charity', weight: 1, names: ['{P} MUTUAL AID NETWORK', '{S} MEMORIAL FUND'] },
];

const PLACE_WORDS = ['BLUE RIDGE', 'CHESAPEAKE', 'POTOMAC', 'SHENANDOAH', 'PIEDMONT', 'TIDEWATER', 'CAPITAL AREA', 'LAKESIDE', 'RIVERBEND', 'OAK HILL', 'MILLBROOK', 'CEDAR GROVE', 'HARBOR POINT', 'NORTHSIDE', 'EASTGATE', 'GREENFIELD', 'WILLOW CREEK', 'PINE VALLEY', 'SUMMIT', 'MAPLEWOOD'];
const SURNAMES = ['ABERNATHY', 'BRENNAN', 'CALLOWAY', 'DESAI', 'ELLISON', 'FARRELL', 'GUTIERREZ', 'HOLLOWAY', 'IVERSEN', 'JEFFERSON', 'KOWALSKI', 'LINDQUIST', 'MCALLISTER', "O'BRIEN", 'PATEL', 'QUINTERO', 'RAMSEY', 'SATO', 'THORNTON', 'UNDERWOOD', 'VANCE', 'WHITAKER', 'YAMAMOTO', 'ZIMMERMAN', 'OKAFOR', 'NGUYEN', 'BERGSTROM', 'HARTLEY'];
const FIRST_NAMES = ['JAMES', 'MARIA', 'ROBERT', 'PATRICIA', 'DAVID', 'LINDA', 'MICHAEL', 'ANGELA', 'THOMAS', 'KAREN', 'WEI', 'AISHA', 'CARLOS', 'PRIYA', 'SAMUEL', 'ELENA', 'KEVIN', 'DENISE', 'OMAR', 'GRACE'];

interface FoundationProfile {
  subsection: string;
  foundation: string;
  deductibility: string;
  filingReq: string;
  pfFilingReq: string;
  organization: string;
}

function foundationFor(kind: OrgKind, rng: Random): FoundationProfile {
  const charity = (foundation: string, filingReq = '01'): FoundationProfile => ({
    subsection: '03', foundation, deductibility: '1', filingReq, pfFilingReq: '0', organization: '1',
  });
  switch (kind) {
    case 'school':
      return charity('11');
    case 'hospital':
      return charity('12');
    case 'church':
      return charity('10', '06');
    case 'private_foundation':
      return { subsection: '03', foundation: rng.weighted([['04', 8], ['03', 1], ['02', 1]] as const), deductibility: '1', filingReq: '00', pfFilingReq: '1', organization: rng.pick(['1', '2']) };
    case 'community_foundation':
      return charity('15');
    case 'social_welfare':
      return { subsection: '04', foundation: '00', deductibility: '2', filingReq: '01', pfFilingReq: '0', organization: '5' };
    case 'business_league':
      return { subsection: '06', foundation: '00', deductibility: '2', filingReq: '01', pfFilingReq: '0', organization: '5' };
    case 'charity':
      return charity(rng.weighted([['15', 6], ['16', 3], ['17', 1]] as const), rng.chance(0.15) ? '02' : '01');
  }
}

/** IRS ASSET_CD / INCOME_CD bands. */
function amountCode(amount: number | null): string {
  if (amount === null || amount <= 0) return '0';
  const bands = [10_000, 25_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000, 50_000_000];
  const i = bands.findIndex((b) => amount < b);
  return String(i === -1 ? 9 : i + 1);
}

/** Log-uniform amount between 10^lo and 10^hi, rounded to whole dollars. */
function logAmount(rng: Random, lo: number, hi: number): number {
  return Math.round(10 ** (lo + rng.float() * (hi - lo)));
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export interface SampleOrganization {
  ein: string;
  name: string;
  state: string;
  city: string;
  ntee: string;
  subsection: string;
}

export interface BmfSample {
  csv: string;
  organizations: SampleOrganization[];
}

/** Builds the sample CSV text (header + rows, LF endings) and the list of well-formed organizations. */
export function generateBmfSample(seed: number = DEFAULT_SEED, rowCount: number = SAMPLE_ROW_COUNT): BmfSample {
  const rng = new Random(createPrng(seed));
  const usedEins = new Set<string>();
  const usedNames = new Set<string>();
  const organizations: SampleOrganization[] = [];
  const lines: string[] = [HEADER.join(',')];
  const nteeWeights = NTEE_TEMPLATES.map((t) => [t, t.weight] as const);

  for (let i = 0; i < rowCount; i++) {
    let ein: string;
    do {
      ein = rng.pick(EIN_PREFIXES) + String(rng.int(0, 9_999_999)).padStart(7, '0');
    } while (usedEins.has(ein));
    usedEins.add(ein);

    const state = rng.weighted(STATE_WEIGHTS);
    const place = rng.pick(PLACES[state] as Place[]);
    const template = rng.weighted(nteeWeights);
    let name = '';
    for (let attempt = 0; attempt < 20 && (name === '' || usedNames.has(name)); attempt++) {
      name = rng
        .pick(template.names)
        .replace(/\{P\}/g, () => rng.pick(PLACE_WORDS))
        .replace(/\{S\}/g, () => rng.pick(SURNAMES))
        .replace(/\{C\}/g, place.city);
    }
    if (usedNames.has(name)) name = `${name} ${i}`;
    // A name carrying literal double quotes and a comma exercises the doubled-quote escape.
    if (i === 7) name = 'THE "SECOND CHANCE" PROJECT, INC.';
    usedNames.add(name);

    const fp = foundationFor(template.kind, rng);
    // About one record in nine has no NTEE code, as in the real extract.
    const ntee = rng.chance(0.11) ? '' : template.code;
    const isGroup = rng.chance(0.08);
    const noFinancials = fp.filingReq === '06' || fp.filingReq === '02' ? rng.chance(0.7) : rng.chance(0.06);
    const scale: Record<OrgKind, [number, number]> = {
      charity: [4, 7.3], school: [5.5, 8], hospital: [7.5, 9.3], church: [4.5, 6.5],
      private_foundation: [5, 8.7], community_foundation: [6.5, 9], social_welfare: [3.5, 6], business_league: [4.5, 6.8],
    };
    const [lo, hi] = scale[template.kind];
    const revenue = noFinancials ? null : rng.chance(0.03) ? 0 : logAmount(rng, lo, hi);
    const income = revenue === null ? null : revenue + (rng.chance(0.5) ? logAmount(rng, 2, lo) : 0);
    const assets = noFinancials ? null : rng.chance(0.1) ? null : logAmount(rng, lo - 0.5, hi + (template.kind === 'private_foundation' ? 1 : 0.3));
    const rulingYear = rng.int(1942, 2023);
    const ruling = `${rulingYear}${String(rng.int(1, 12)).padStart(2, '0')}`;
    const acctPd = rng.weighted([['12', 7], ['06', 2], ['09', 1]] as const);
    const taxPeriod = noFinancials ? '' : `${rng.pick(['2022', '2023', '2023', '2024'])}${acctPd}`;
    const careOf = rng.chance(0.4) ? `% ${rng.pick(FIRST_NAMES)} ${rng.pick(SURNAMES)}` : '';
    const street = `${rng.int(1, 9999)} ${rng.pick(place.streets)}${rng.chance(0.3) ? ` STE ${rng.int(1, 12) * 100}` : ''}`;
    const zip = `${rng.pick(place.zip5)}-${String(rng.int(1, 9999)).padStart(4, '0')}`;
    const sortName = rng.chance(0.12) ? rng.pick(['FRIENDS GROUP', 'DBA ' + name.split(' ')[0] + ' CENTER', 'C/O TRUST DEPT', 'ENDOWMENT FUND']) : '';

    const row = [
      ein,
      name,
      careOf,
      street,
      place.city,
      state,
      zip,
      isGroup ? String(rng.int(1000, 9999)) : '0000',
      fp.subsection,
      isGroup ? '9' : '3',
      rng.pick(['1000', '1000', '1200', '2000']),
      ruling,
      fp.deductibility,
      fp.foundation,
      rng.chance(0.6) ? '000000000' : `${rng.int(1, 999).toString().padStart(3, '0')}000000`,
      fp.organization,
      '01',
      taxPeriod,
      amountCode(assets),
      amountCode(income),
      fp.filingReq,
      fp.pfFilingReq,
      acctPd,
      assets === null ? '' : String(assets),
      income === null ? '' : String(income),
      revenue === null ? '' : String(revenue),
      ntee,
      sortName,
    ];
    lines.push(row.map(csvField).join(','));
    organizations.push({ ein, name, state, city: place.city, ntee, subsection: fp.subsection });
  }

  // Real extracts occasionally carry broken rows; mirror three kinds. They are not in `organizations`.
  const malformed = [
    // 27 columns: SORT_NAME dropped entirely.
    '271234567,TRUNCATED RECORD FOUNDATION,,100 MAIN ST,RICHMOND,VA,23219-0001,0000,03,3,1000,199001,1,15,000000000,1,01,202312,3,3,01,0,12,50000,60000,60000,B20',
    // 29 columns: an unquoted comma inside the name splits it in two.
    '541234567,SMITH, JONES & ASSOCIATES FOUNDATION INC,,200 KING ST,ALEXANDRIA,VA,22314-0002,0000,03,3,1000,200105,1,04,000000000,1,01,202312,5,5,00,1,12,750000,120000,110000,T20,',
    // Line cut short mid-record.
    '521234567,CUT OFF CHARITY OF DC,,300 K ST NW,WASHINGTON,DC,20001',
  ];
  lines.splice(101, 0, malformed[0] as string);
  lines.splice(222, 0, malformed[1] as string);
  lines.splice(343, 0, malformed[2] as string);
  return { csv: lines.join('\n') + '\n', organizations };
}

export interface BoardMembersFile {
  synthetic: true;
  description: string;
  organizations: { ein: string; name: string; members: { person: string; role: string }[] }[];
}

const ROLES = ['Board Chair', 'Vice Chair', 'Treasurer', 'Secretary', 'Director', 'Director', 'Director', 'Trustee'];
const PERSON_FIRST = ['Alice', 'Benjamin', 'Chloe', 'Daniel', 'Eleanor', 'Francisco', 'Gloria', 'Harold', 'Ines', 'Jamal', 'Keiko', 'Leonard', 'Monica', 'Nathan', 'Olivia', 'Pedro', 'Rachel', 'Stefan', 'Tamara', 'Victor', 'Wendy', 'Xavier', 'Yolanda', 'Zachary'];
const PERSON_LAST = ['Ashford', 'Bellamy', 'Castellano', 'Drummond', 'Eastwood', 'Fairbanks', 'Greer', 'Hashimoto', 'Ingram', 'Jablonski', 'Kendrick', 'Larkspur', 'Mbeki', 'Northcott', 'Osei', 'Pemberton', 'Reyes', 'Sinclair', 'Tran', 'Vasquez', 'Whitmore', 'Xiong', 'Yardley', 'Zelinski'];

/**
 * Board rosters for 40 sample organizations in four regional "communities" of ten. Within a
 * community a few people sit on 2-3 boards; two "connectors" sit on boards in different
 * communities (bridging them), and a handful of organizations share nobody (isolated).
 * Some shared people are written differently on different boards (case, punctuation,
 * hyphens) so that name normalisation matters.
 */
export function generateBoardMembers(organizations: SampleOrganization[], seed: number = DEFAULT_SEED): BoardMembersFile {
  const rng = new Random(createPrng(seed ^ 0x5eed));
  const eligible = organizations.filter((o) => o.subsection === '03');
  const byRegion = (states: string[]): SampleOrganization[] => eligible.filter((o) => states.includes(o.state)).slice(0, 10);
  const communities = [byRegion(['VA']), byRegion(['MD']), byRegion(['DC']), byRegion(['NY', 'NJ', 'PA', 'MA'])];
  const chosen = communities.flat();
  const rosters = new Map<string, { person: string; role: string }[]>(chosen.map((o) => [o.ein, []]));

  const usedPeople = new Set<string>();
  const newPerson = (): string => {
    for (;;) {
      const middle = rng.chance(0.3) ? ` ${String.fromCharCode(65 + rng.int(0, 25))}.` : '';
      const p = `${rng.pick(PERSON_FIRST)}${middle} ${rng.pick(PERSON_LAST)}`;
      if (!usedPeople.has(p)) {
        usedPeople.add(p);
        return p;
      }
    }
  };
  const seat = (ein: string, person: string): void => {
    const roster = rosters.get(ein) as { person: string; role: string }[];
    roster.push({ person, role: roster.length < 4 ? (ROLES[roster.length] as string) : rng.pick(ROLES.slice(4)) });
  };

  communities.forEach((members, c) => {
    // Chain-like overlaps inside the community: org k shares a person with org k+1 (for the first 6),
    // then two people on three boards each; orgs 8 and 9 stay isolated.
    for (let k = 0; k < 6 && k + 1 < members.length; k++) {
      const person = newPerson();
      seat(members[k]!.ein, person);
      seat(members[k + 1]!.ein, variant(person, rng));
    }
    for (const trio of [[0, 3, 6], [2, 5, 7]]) {
      const person = newPerson();
      for (const idx of trio) if (members[idx]) seat(members[idx]!.ein, trio[0] === idx ? person : variant(person, rng));
    }
    // Connectors: community c's first org shares a person with community c+1's fourth org;
    // one person sits on four boards across all communities.
    const next = communities[(c + 1) % communities.length] as SampleOrganization[];
    if (c < communities.length - 1 && members[1] && next[4]) {
      const person = newPerson();
      seat(members[1].ein, person);
      seat(next[4].ein, variant(person, rng));
    }
  });
  const superConnector = 'Dr. Evelyn Hartwell-Brooks';
  communities.forEach((members, c) => {
    if (members[2]) seat(members[2].ein, c === 0 ? superConnector : rng.pick(['EVELYN HARTWELL BROOKS', 'Evelyn  Hartwell-Brooks', 'evelyn hartwell brooks']));
  });
  // Pad every roster to 4-7 people with people who serve nowhere else.
  for (const org of chosen) {
    const roster = rosters.get(org.ein) as { person: string; role: string }[];
    const target = rng.int(4, 7);
    while (roster.length < target) seat(org.ein, newPerson());
  }

  return {
    synthetic: true,
    description:
      'Synthetic board members and officers for 40 organizations of data-samples/bmf/eo_sample.csv. ' +
      'People and roles are invented; some people serve on several boards and are spelled differently on each.',
    organizations: chosen.map((o) => ({ ein: o.ein, name: o.name, members: rosters.get(o.ein) as { person: string; role: string }[] })),
  };
}

/** The same person as a different clerk might have typed it. */
function variant(person: string, rng: Random): string {
  switch (rng.int(0, 3)) {
    case 0:
      return person.toUpperCase();
    case 1:
      return person.replace(/\./g, '');
    case 2:
      return person.replace(' ', '  ');
    default:
      return person;
  }
}

function main(argv: string[]): void {
  const outDir = nodePath.resolve(argv[2] ?? 'data-samples');
  const sample = generateBmfSample();
  mkdirSync(nodePath.join(outDir, 'bmf'), { recursive: true });
  writeFileSync(nodePath.join(outDir, 'bmf', 'eo_sample.csv'), sample.csv);
  const board = generateBoardMembers(sample.organizations);
  writeFileSync(nodePath.join(outDir, 'board-members.json'), JSON.stringify(board, null, 2) + '\n');
  process.stdout.write(
    `wrote ${sample.organizations.length} organizations (+3 malformed rows) and ${board.organizations.length} board rosters to ${outDir}\n`,
  );
}

if (require.main === module) main(process.argv);
