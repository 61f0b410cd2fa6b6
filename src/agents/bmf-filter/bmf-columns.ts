// The exact column layout of the IRS Exempt Organizations Business Master File (EO BMF) extract.

/** The 28 columns of eo1.csv–eo4.csv and the per-state files, in file order. */
export const BMF_COLUMNS = [
  'EIN',
  'NAME',
  'ICO',
  'STREET',
  'CITY',
  'STATE',
  'ZIP',
  'GROUP',
  'SUBSECTION',
  'AFFILIATION',
  'CLASSIFICATION',
  'RULING',
  'DEDUCTIBILITY',
  'FOUNDATION',
  'ACTIVITY',
  'ORGANIZATION',
  'STATUS',
  'TAX_PERIOD',
  'ASSET_CD',
  'INCOME_CD',
  'FILING_REQ_CD',
  'PF_FILING_REQ_CD',
  'ACCT_PD',
  'ASSET_AMT',
  'INCOME_AMT',
  'REVENUE_AMT',
  'NTEE_CD',
  'SORT_NAME',
] as const;

export type BmfColumn = (typeof BMF_COLUMNS)[number];

/** The header line exactly as the IRS writes it. */
export const BMF_HEADER_LINE = BMF_COLUMNS.join(',');
