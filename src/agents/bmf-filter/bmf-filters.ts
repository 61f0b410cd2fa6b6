// What a caller may filter the BMF on, how the filters are checked, and the row predicate they become.
import { InvalidFiltersError } from './errors';
import { padCode, type BmfOrganization } from './bmf-organization';

export type BmfSortKey = 'revenue' | 'assets' | 'name' | 'ruling';
export type SortOrder = 'asc' | 'desc';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10000;

/**
 * Filters combine with AND. An empty array counts as "no constraint" (like an unticked multi-select).
 * Rows whose value is unknown (empty amount, empty NTEE code, unparsable ruling) never satisfy a
 * filter on that value.
 */
export interface BmfFilters {
  /** Two-letter state codes, case-insensitive. */
  states?: string[];
  /** NTEE code prefixes such as "B" or "E20", case-insensitive. */
  ntee_prefixes?: string[];
  /** IRS subsection; "03" (or "3") is 501(c)(3). */
  subsection?: string;
  /** IRS foundation codes, e.g. ["15", "16"] or ["04"]; single digits are zero-padded. */
  foundation_codes?: string[];
  revenue_min?: number;
  revenue_max?: number;
  asset_min?: number;
  asset_max?: number;
  /** Case-insensitive substring of NAME or SORT_NAME. */
  name_contains?: string;
  ruling_year_min?: number;
  ruling_year_max?: number;
  /** Default 'revenue'. */
  sort_by?: BmfSortKey;
  /** Default 'asc' for name, 'desc' for the others. */
  sort_order?: SortOrder;
  /** Maximum organizations returned, 1..10000; default 100. */
  limit?: number;
}

/** Filters after validation, with defaults applied and values normalised for comparison. */
export interface NormalisedFilters {
  states: Set<string> | null;
  nteePrefixes: string[] | null;
  subsection: string | null;
  foundationCodes: Set<string> | null;
  revenueMin: number | null;
  revenueMax: number | null;
  assetMin: number | null;
  assetMax: number | null;
  nameContains: string | null;
  rulingYearMin: number | null;
  rulingYearMax: number | null;
  sortBy: BmfSortKey;
  sortOrder: SortOrder;
  limit: number;
}

const SORT_KEYS: readonly BmfSortKey[] = ['revenue', 'assets', 'name', 'ruling'];

/** Checks every filter and reports all problems at once; throws InvalidFiltersError. */
export function normaliseFilters(filters: BmfFilters): NormalisedFilters {
  const problems: string[] = [];

  const numberOrNull = (key: keyof BmfFilters, integer: boolean): number | null => {
    const value = filters[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`${key} must be a finite number`);
      return null;
    }
    if (integer && !Number.isInteger(value)) {
      problems.push(`${key} must be an integer`);
      return null;
    }
    return value;
  };

  const stringList = (key: 'states' | 'ntee_prefixes' | 'foundation_codes'): string[] | null => {
    const value = filters[key];
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
      problems.push(`${key} must be a list of non-empty strings`);
      return null;
    }
    return value.length === 0 ? null : value.map((v) => v.trim().toUpperCase());
  };

  const states = stringList('states');
  if (states?.some((s) => !/^[A-Z]{2}$/.test(s))) problems.push('states must be two-letter codes');

  const nteePrefixes = stringList('ntee_prefixes');
  if (nteePrefixes?.some((p) => !/^[A-Z][0-9A-Z]{0,4}$/.test(p))) {
    problems.push('ntee_prefixes must start with a letter A-Z (e.g. "B" or "E20")');
  }

  const foundationCodes = stringList('foundation_codes')?.map(padCode) ?? null;
  if (foundationCodes?.some((c) => !/^\d{2}$/.test(c))) problems.push('foundation_codes must be 1-2 digit codes');

  let subsection: string | null = null;
  if (filters.subsection !== undefined && filters.subsection !== null) {
    const raw = typeof filters.subsection === 'string' ? filters.subsection.trim() : '';
    if (!/^\d{1,2}$/.test(raw)) problems.push('subsection must be a 1-2 digit code such as "03"');
    else subsection = padCode(raw);
  }

  const revenueMin = numberOrNull('revenue_min', false);
  const revenueMax = numberOrNull('revenue_max', false);
  const assetMin = numberOrNull('asset_min', false);
  const assetMax = numberOrNull('asset_max', false);
  const rulingYearMin = numberOrNull('ruling_year_min', true);
  const rulingYearMax = numberOrNull('ruling_year_max', true);
  if (revenueMin !== null && revenueMax !== null && revenueMin > revenueMax) {
    problems.push(`revenue_min (${revenueMin}) is greater than revenue_max (${revenueMax})`);
  }
  if (assetMin !== null && assetMax !== null && assetMin > assetMax) {
    problems.push(`asset_min (${assetMin}) is greater than asset_max (${assetMax})`);
  }
  if (rulingYearMin !== null && rulingYearMax !== null && rulingYearMin > rulingYearMax) {
    problems.push(`ruling_year_min (${rulingYearMin}) is greater than ruling_year_max (${rulingYearMax})`);
  }

  let nameContains: string | null = null;
  if (filters.name_contains !== undefined && filters.name_contains !== null) {
    if (typeof filters.name_contains !== 'string') problems.push('name_contains must be a string');
    else if (filters.name_contains.trim() !== '') nameContains = filters.name_contains.trim().toUpperCase();
  }

  const sortBy = filters.sort_by ?? 'revenue';
  if (!SORT_KEYS.includes(sortBy)) problems.push(`sort_by must be one of ${SORT_KEYS.join(', ')}`);
  const sortOrder = filters.sort_order ?? (sortBy === 'name' ? 'asc' : 'desc');
  if (sortOrder !== 'asc' && sortOrder !== 'desc') problems.push("sort_order must be 'asc' or 'desc'");

  const limit = numberOrNull('limit', true) ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT) problems.push(`limit must be between 1 and ${MAX_LIMIT} (got ${limit})`);

  if (problems.length > 0) throw new InvalidFiltersError(problems);
  return {
    states: states ? new Set(states) : null,
    nteePrefixes,
    subsection,
    foundationCodes: foundationCodes ? new Set(foundationCodes) : null,
    revenueMin,
    revenueMax,
    assetMin,
    assetMax,
    nameContains,
    rulingYearMin,
    rulingYearMax,
    sortBy,
    sortOrder,
    limit,
  };
}

/** True when the organization satisfies every filter. */
export function matchesFilters(org: BmfOrganization, f: NormalisedFilters): boolean {
  if (f.states && !f.states.has(org.state)) return false;
  if (f.nteePrefixes) {
    const code = org.ntee_code;
    if (code === null || !f.nteePrefixes.some((p) => code.startsWith(p))) return false;
  }
  if (f.subsection !== null && org.subsection !== f.subsection) return false;
  if (f.foundationCodes && !f.foundationCodes.has(org.foundation)) return false;
  if (!inRange(org.revenue_amount, f.revenueMin, f.revenueMax)) return false;
  if (!inRange(org.asset_amount, f.assetMin, f.assetMax)) return false;
  if (f.rulingYearMin !== null || f.rulingYearMax !== null) {
    if (!inRange(rulingYear(org.ruling), f.rulingYearMin, f.rulingYearMax)) return false;
  }
  if (f.nameContains !== null) {
    const needle = f.nameContains;
    if (!org.name.toUpperCase().includes(needle) && !(org.sort_name ?? '').toUpperCase().includes(needle)) {
      return false;
    }
  }
  return true;
}

/** Year part of a YYYYMM ruling date; null when the field is not six digits. */
export function rulingYear(ruling: string): number | null {
  return /^\d{6}$/.test(ruling) ? Number(ruling.slice(0, 4)) : null;
}

function inRange(value: number | null, min: number | null, max: number | null): boolean {
  if (min === null && max === null) return true;
  if (value === null) return false;
  return (min === null || value >= min) && (max === null || value <= max);
}
