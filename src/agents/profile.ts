// Shared shapes for the nonprofit profile being researched and the organizations it is compared with.

/**
 * The nonprofit whose grant prospects are being researched.
 * `focus_areas` are NTEE code prefixes: a major group letter ("B") or a more specific code ("E20").
 * `revenue_min`/`revenue_max` are the revenue range (USD) the profile considers a good fit for a
 * candidate; either bound may be absent (open-ended).
 */
export interface GrantProfile {
  name: string;
  organization: string;
  mission: string;
  focus_areas: string[];
  /** Two-letter USPS state codes, e.g. ["VA", "MD"]. Empty means no geographic preference. */
  states: string[];
  revenue_min?: number | null;
  revenue_max?: number | null;
  /** EIN of the profile's own organization (9 digits, leading zeros kept), when known. */
  ein?: string | null;
}

/**
 * A funder or peer organization considered for the profile. Deliberately a structural subset of
 * the BMF filter's `BmfOrganization`, so BMF results can be passed straight to the scorers.
 */
export interface CandidateOrganization {
  /** 9-digit EIN as a string, leading zeros kept. */
  ein: string;
  name: string;
  city?: string | null;
  state?: string | null;
  ntee_code?: string | null;
  revenue_amount?: number | null;
  asset_amount?: number | null;
}
