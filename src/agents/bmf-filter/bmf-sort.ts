// Total orderings of BMF organizations for each sort key; unknown values always sort last.
import type { BmfOrganization } from './bmf-organization';
import type { BmfSortKey, SortOrder } from './bmf-filters';

/**
 * Returns a comparator (negative = a first). Ties break on EIN ascending so results are the
 * same whatever order the rows were read in. Rows with no value for the key (empty amount,
 * malformed ruling) go last in both orders: "largest revenue first" should not start with unknowns.
 */
export function organizationComparator(
  sortBy: BmfSortKey,
  order: SortOrder,
): (a: BmfOrganization, b: BmfOrganization) => number {
  const sign = order === 'asc' ? 1 : -1;
  const key = keyOf(sortBy);
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) {
      if (ka !== kb) return ka === null ? 1 : -1;
    } else if (ka !== kb) {
      return (ka < kb ? -1 : 1) * sign;
    }
    return a.ein < b.ein ? -1 : a.ein > b.ein ? 1 : 0;
  };
}

function keyOf(sortBy: BmfSortKey): (o: BmfOrganization) => number | string | null {
  switch (sortBy) {
    case 'revenue':
      return (o) => o.revenue_amount;
    case 'assets':
      return (o) => o.asset_amount;
    case 'name':
      return (o) => (o.name === '' ? null : o.name.toUpperCase());
    case 'ruling':
      return (o) => (/^\d{6}$/.test(o.ruling) ? Number(o.ruling) : null);
  }
}
